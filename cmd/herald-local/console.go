package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// console is a slog.Handler that writes every record as JSON to a log file and a short line a
// person can follow to the terminal, for the records that tell the story of an event: requests,
// matches, deliveries, drops and errors.
type console struct {
	file  slog.Handler
	out   io.Writer
	mu    *sync.Mutex
	attrs []slog.Attr
}

func newConsole(file, out io.Writer) *console {
	return &console{file: slog.NewJSONHandler(file, &slog.HandlerOptions{Level: slog.LevelDebug}), out: out, mu: &sync.Mutex{}}
}

func (c *console) Enabled(context.Context, slog.Level) bool { return true }

func (c *console) WithAttrs(as []slog.Attr) slog.Handler {
	return &console{file: c.file.WithAttrs(as), out: c.out, mu: c.mu, attrs: append(c.attrs[:len(c.attrs):len(c.attrs)], as...)}
}

func (c *console) WithGroup(name string) slog.Handler {
	return &console{file: c.file.WithGroup(name), out: c.out, mu: c.mu, attrs: c.attrs}
}

func (c *console) Handle(ctx context.Context, r slog.Record) error {
	if err := c.file.Handle(ctx, r); err != nil {
		return err
	}
	a := map[string]string{}
	for _, at := range c.attrs {
		a[at.Key] = at.Value.String()
	}
	r.Attrs(func(at slog.Attr) bool { a[at.Key] = at.Value.String(); return true })
	var line string
	switch {
	case r.Message == "request":
		line = fmt.Sprintf("api      %s %s → %s", a["method"], a["path"], a["status"])
		if why := a["reason"]; why != "" {
			line += " (" + why + ")"
		}
	case r.Message == "matched":
		line = fmt.Sprintf("matcher  %s %s of %s → %s email, %s webhook job(s)", a["event_type"], a["event_id"], a["org"], a["email_jobs"], a["webhook_jobs"])
	case r.Message == "no rule matches":
		line = fmt.Sprintf("matcher  %s %s of %s → no rule subscribes", a["event_type"], a["event_id"], a["org"])
	case strings.HasPrefix(r.Message, "delivery "):
		line = fmt.Sprintf("%-8s %s → %s: %s (attempt %s", strings.TrimSuffix(a["function"], "-sender"), a["event_id"], a["notification"], strings.TrimPrefix(r.Message, "delivery "), a["attempt"])
		if s := a["status"]; s != "" && s != "0" {
			line += ", status " + s
		}
		if e := a["error"]; e != "" {
			line += ", " + e
		}
		line += ")"
	case r.Level >= slog.LevelWarn:
		line = fmt.Sprintf("%-8s %s: %s: %s", a["function"], strings.ToLower(r.Level.String()), r.Message, firstOf(a["reason"], a["error"]))
	default:
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := fmt.Fprintf(c.out, "%s %s\n", r.Time.Format(time.TimeOnly), line)
	return err
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
