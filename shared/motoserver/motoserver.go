// Package motoserver starts and stops moto_server, the AWS emulator from Python's moto package,
// on a free loopback port. Tests and the local stack use it; Herald's functions never do.
package motoserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// Server is a running moto_server.
type Server struct {
	URL string // e.g. http://127.0.0.1:41234
	cmd *exec.Cmd
	log *os.File
}

// ErrNotInstalled says moto_server could not be found and how to get it.
var ErrNotInstalled = errors.New("moto_server not found on PATH: install it with pip install 'moto[server]'")

// Start runs moto_server on a free loopback port and waits until it answers. logPath, if not
// empty, receives the emulator's output.
func Start(ctx context.Context, logPath string) (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	// Its own process group, so Stop also ends any child it forks.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd}
	if logPath != "" {
		if s.log, err = os.Create(logPath); err != nil {
			return nil, fmt.Errorf("motoserver: log: %w", err)
		}
		cmd.Stdout, cmd.Stderr = s.log, s.log
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("motoserver: start: %w", err)
	}
	if err := Wait(ctx, s.URL, 60*time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Wait polls url until moto answers or timeout passes.
func Wait(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/moto-api/", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("motoserver: %s did not answer within %v: %w", url, timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop ends the server and everything it started.
func (s *Server) Stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	if s.log != nil {
		s.log.Close()
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("motoserver: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
