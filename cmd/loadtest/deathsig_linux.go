package main

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal has the kernel send the server SIGTERM if this process dies without
// stopping it (SIGKILL, a crash): a load-test server must never be left running.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
