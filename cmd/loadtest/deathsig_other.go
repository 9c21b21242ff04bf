//go:build !linux

package main

import "os/exec"

// setParentDeathSignal has no portable equivalent outside Linux: there, the server is
// stopped by stop() on every path this process itself controls.
func setParentDeathSignal(*exec.Cmd) {}
