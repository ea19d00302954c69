// Package envconf reads a function's configuration from the environment once, at cold start,
// and reports every missing or malformed variable together.
package envconf

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Env collects variables and the problems found reading them.
type Env struct {
	lookup   func(string) (string, bool)
	problems []string
}

// New reads from the process environment.
func New() *Env { return &Env{lookup: os.LookupEnv} }

// FromMap reads from m, for tests.
func FromMap(m map[string]string) *Env {
	return &Env{lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

// Require returns the variable's value, noting it as missing if unset or empty.
func (e *Env) Require(name string) string {
	v, _ := e.lookup(name)
	if strings.TrimSpace(v) == "" {
		e.problems = append(e.problems, name+" is not set")
	}
	return v
}

// String returns the variable's value, or def when unset or empty.
func (e *Env) String(name, def string) string {
	if v, _ := e.lookup(name); v != "" {
		return v
	}
	return def
}

// Bool reads true/false/1/0, or def when unset.
func (e *Env) Bool(name string, def bool) bool {
	v, ok := e.lookup(name)
	if !ok || v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.problems = append(e.problems, fmt.Sprintf("%s=%q is not true or false", name, v))
		return def
	}
	return b
}

// Duration reads a Go duration such as 10s, or def when unset.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v, ok := e.lookup(name)
	if !ok || v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.problems = append(e.problems, fmt.Sprintf("%s=%q is not a positive duration such as 10s", name, v))
		return def
	}
	return d
}

// Err reports every problem met so far, or nil.
func (e *Env) Err() error {
	if len(e.problems) == 0 {
		return nil
	}
	return errors.New("configuration: " + strings.Join(e.problems, "; "))
}
