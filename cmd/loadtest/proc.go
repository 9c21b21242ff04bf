package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// The server's memory and CPU time come from Linux's /proc. Elsewhere these reads fail and
// the report says memory was not measured: the load figures do not depend on them.

// procPath names /proc/<pid>/<file>, or /proc/self/<file> for pid 0.
func procPath(pid int, file string) string {
	if pid == 0 {
		return "/proc/self/" + file
	}
	return "/proc/" + strconv.Itoa(pid) + "/" + file
}

// readRSS returns the resident set size of process pid in bytes.
func readRSS(pid int) (uint64, error) {
	f, err := os.Open(procPath(pid, "status"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseVmRSS(f)
}

// parseVmRSS finds the "VmRSS:  123456 kB" line of a /proc/<pid>/status file. VmRSS is what
// the kernel would reclaim if the process exited: heap the Go runtime has returned with
// MADV_DONTNEED no longer counts, heap it keeps does.
func parseVmRSS(r io.Reader) (uint64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmRSS line %q", sc.Text())
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected VmRSS line %q: %v", sc.Text(), err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	// Kernel threads and zombies have no VmRSS line.
	return 0, errors.New("no VmRSS line")
}

// clockTicksPerSecond is USER_HZ, the unit of /proc/<pid>/stat's times. It is 100 on every
// Linux architecture Go supports; the standard library offers no sysconf to ask.
const clockTicksPerSecond = 100

// readCPUSeconds returns the user+system CPU time process pid (0: this one) has used.
func readCPUSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(procPath(pid, "stat"))
	if err != nil {
		return -1, err
	}
	return parseStatCPU(b)
}

// parseStatCPU reads utime and stime (fields 14 and 15) of a /proc/<pid>/stat line. The
// command name (field 2) is in parentheses and may itself contain spaces or parentheses,
// so fields are counted from the last ')'.
func parseStatCPU(b []byte) (float64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return -1, errors.New("malformed stat line")
	}
	fields := strings.Fields(string(b[i+1:]))
	// After ')': field 3 (state) is fields[0], so field n is fields[n-3].
	if len(fields) < 13 {
		return -1, errors.New("short stat line")
	}
	utime, err1 := strconv.ParseUint(fields[14-3], 10, 64)
	stime, err2 := strconv.ParseUint(fields[15-3], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return -1, err
	}
	return float64(utime+stime) / clockTicksPerSecond, nil
}

// loadAverage returns /proc/loadavg's three averages ("0.52 0.40 0.31"), or "" when unknown:
// it tells the reader whether something else was using the machine at the time.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
