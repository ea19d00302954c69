package lambdarie

import (
	"os"
	"syscall"
	"time"
)

// procAttr gives the emulator its own process group, so that stopping it also stops the
// function it started, and has Linux end it should this process die first.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// terminate ends p's process group, gently first, and returns once p has exited (done).
func terminate(p *os.Process, done <-chan struct{}) {
	syscall.Kill(-p.Pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-p.Pid, syscall.SIGKILL)
		<-done
	}
}
