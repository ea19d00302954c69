//go:build !linux

package lambdarie

import (
	"os"
	"syscall"
)

// Start refuses to run elsewhere than on Linux; these keep the package building there.

func procAttr() *syscall.SysProcAttr { return nil }

func terminate(p *os.Process, done <-chan struct{}) {
	p.Kill()
	<-done
}
