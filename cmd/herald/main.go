// Command herald manages an organization's Herald notification rules from a terminal, with the
// commands and output of Border0's `border0 organization notification`, and puts test events
// on the Herald event bus.
//
//	herald organization notification add|list|show|update|remove|secret|deliveries
//	herald notification ...      the same, shorter
//	herald events put ...        publish a login or audit event
//	herald version
//
// It talks to the API at HERALD_API_URL (default http://127.0.0.1:8080, the local stack) as
// the caller whose token is HERALD_TOKEN.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed: the API refused it, a server was unreachable
	exitUsage = 2 // the command line is wrong
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := newApp(os.Stdout, os.Stderr, os.Getenv).run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// run runs the command line args and returns the exit status.
func (a *app) run(ctx context.Context, args []string) int {
	root := a.rootCmd()
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(a.stderr, "Error:", err)
	var f *failure
	if errors.As(err, &f) {
		return exitError
	}
	// Everything else went wrong before the command ran: a flag, an argument, a command name.
	fmt.Fprintln(a.stderr)
	fmt.Fprint(a.stderr, cmd.UsageString())
	return exitUsage
}

// failure is an error of a command that ran, as opposed to a usage error.
type failure struct{ err error }

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// usageError is a usage error a command finds itself, beyond what cobra checks.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}
