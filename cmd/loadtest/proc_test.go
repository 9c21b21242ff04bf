package main

import (
	"strings"
	"testing"
)

func TestParseVmRSS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  string
		want    uint64
		wantErr bool
	}{
		{"typical", "Name:\tusergraph\nVmPeak:\t 1300000 kB\nVmRSS:\t   47104 kB\nRssAnon:\t 30000 kB\n", 47104 * 1024, false},
		{"no VmRSS (kernel thread)", "Name:\tkthreadd\nState:\tS (sleeping)\n", 0, true},
		{"not kB", "VmRSS:\t 47104 MB\n", 0, true},
		{"not a number", "VmRSS:\t lots kB\n", 0, true},
		{"VmRSS is not RssAnon", "RssAnon:\t 1 kB\nVmRSS:\t 2 kB\n", 2048, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseVmRSS(strings.NewReader(tc.status))
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parseVmRSS = %d, %v; want %d, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestParseStatCPU(t *testing.T) {
	// Fields 14 and 15 (utime, stime) are 250 and 50 ticks: 3 s. The command name holds a
	// space and a parenthesis, which is why fields are counted from the last ')'.
	line := "4242 (user graph) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 9 0 100 1000000 2000 18446744073709551615"
	got, err := parseStatCPU([]byte(line))
	if err != nil || got != 3 {
		t.Errorf("parseStatCPU = %v, %v; want 3 s", got, err)
	}
	for _, bad := range []string{"", "4242 (x) S 1 2", "4242 no parens"} {
		if _, err := parseStatCPU([]byte(bad)); err == nil {
			t.Errorf("parseStatCPU(%q) did not fail", bad)
		}
	}
}

func TestReadOwnProcess(t *testing.T) {
	if _, err := readRSS(0); err != nil {
		t.Skipf("no /proc here (%v): memory is skipped on this system, as designed", err)
	}
	rss, err := readRSS(0)
	if err != nil || rss < 1<<20 {
		t.Errorf("own RSS = %d, %v: want at least 1 MiB", rss, err)
	}
	if cpu, err := readCPUSeconds(0); err != nil || cpu < 0 {
		t.Errorf("own CPU = %v, %v", cpu, err)
	}
}
