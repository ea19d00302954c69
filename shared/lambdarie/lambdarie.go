// Package lambdarie runs a Herald function as Lambda runs it, on this machine: it builds the
// function's real bootstrap for the host and serves it with the AWS Lambda Runtime Interface
// Emulator (the runtime API that Lambda's container images and `sam local invoke` use), then
// posts events to the emulator's invocation endpoint. Tests and `herald-local invoke` use it
// where neither Docker nor SAM is at hand. The emulator runs only on Linux.
package lambdarie

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// emulatorPkg is the emulator's command; go.mod's tool directive pins its version.
const emulatorPkg = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// ErrUnsupported says the emulator cannot run on this operating system.
var ErrUnsupported = errors.New("lambdarie: the Lambda Runtime Interface Emulator runs only on Linux")

// Options for Invoke.
type Options struct {
	RepoRoot string            // the module's root; "" finds it from the working directory
	Function string            // the function: a directory under functions/, e.g. "api"
	Event    []byte            // the event, as Lambda passes it to the function
	Env      map[string]string // the function's environment (see Config.Env)
	Log      io.Writer         // the function's and the emulator's output; nil discards it
}

// Invoke builds the function, runs it under the emulator, invokes it once with the event and
// returns the response payload. If the function fails, the error is a *FunctionError and the
// payload is Lambda's error document.
func Invoke(ctx context.Context, o Options) ([]byte, error) {
	dir, err := os.MkdirTemp("", "lambdarie-")
	if err != nil {
		return nil, fmt.Errorf("lambdarie: %w", err)
	}
	defer os.RemoveAll(dir)
	bootstrap, err := Build(ctx, o.RepoRoot, o.Function, filepath.Join(dir, o.Function))
	if err != nil {
		return nil, err
	}
	emulator, err := BuildEmulator(ctx, o.RepoRoot, dir)
	if err != nil {
		return nil, err
	}
	rt, err := Start(ctx, Config{Emulator: emulator, Bootstrap: bootstrap, Name: o.Function, Env: o.Env, Log: o.Log})
	if err != nil {
		return nil, err
	}
	defer rt.Stop()
	return rt.Invoke(ctx, o.Event)
}

// WithAWSEnv returns env plus this process's AWS settings (the AWS_* variables: endpoint,
// region, credentials), so that a function under the emulator reaches the AWS, or the AWS
// emulator, that the caller does. Lambda's own AWS_LAMBDA_* are left to Start.
func WithAWSEnv(env map[string]string) map[string]string {
	out := make(map[string]string, len(env))
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") && !strings.HasPrefix(k, "AWS_LAMBDA_") {
			out[k] = v
		}
	}
	for k, v := range env {
		out[k] = v
	}
	return out
}

// Build compiles functions/<fn> into dir/bootstrap and returns its path. It builds as make
// build does for Lambda (no cgo, the lambda.norpc tag) but for this machine, so the emulator
// can run it.
func Build(ctx context.Context, repoRoot, fn, dir string) (string, error) {
	root, err := moduleRoot(ctx, repoRoot)
	if err != nil {
		return "", err
	}
	if fn == "" || strings.ContainsAny(fn, `/\.`) || !exists(filepath.Join(root, "functions", fn, "main.go")) {
		return "", fmt.Errorf("lambdarie: no function %q; the functions are %s", fn, strings.Join(Functions(root), ", "))
	}
	bootstrap, err := filepath.Abs(filepath.Join(dir, "bootstrap"))
	if err != nil {
		return "", fmt.Errorf("lambdarie: %w", err)
	}
	err = goCmd(ctx, root, "build", "-tags", "lambda.norpc", "-trimpath", "-o", bootstrap, "./functions/"+fn)
	if err != nil {
		return "", fmt.Errorf("lambdarie: build %s: %w", fn, err)
	}
	return bootstrap, nil
}

// BuildEmulator compiles the emulator (aws-lambda-rie) into dir and returns its path.
func BuildEmulator(ctx context.Context, repoRoot, dir string) (string, error) {
	root, err := moduleRoot(ctx, repoRoot)
	if err != nil {
		return "", err
	}
	bin, err := filepath.Abs(filepath.Join(dir, "aws-lambda-rie"))
	if err != nil {
		return "", fmt.Errorf("lambdarie: %w", err)
	}
	if err := goCmd(ctx, root, "build", "-o", bin, emulatorPkg); err != nil {
		return "", fmt.Errorf("lambdarie: build the emulator: %w", err)
	}
	return bin, nil
}

// Functions lists the functions under root/functions.
func Functions(root string) []string {
	var fns []string
	entries, _ := os.ReadDir(filepath.Join(root, "functions"))
	for _, e := range entries {
		if e.IsDir() && exists(filepath.Join(root, "functions", e.Name(), "main.go")) {
			fns = append(fns, e.Name())
		}
	}
	return fns
}

// Config says what Start runs.
type Config struct {
	Emulator  string // the aws-lambda-rie executable
	Bootstrap string // the function's executable
	Name      string // the function's name, for AWS_LAMBDA_FUNCTION_NAME and messages
	// Env is the function's environment: nothing of this process's is passed on (see
	// WithAWSEnv). Start adds what Lambda would, unless Env sets it: the function's name,
	// timeout and memory, and the JSON logs at level INFO that Herald's stack configures.
	Env     map[string]string
	Timeout time.Duration // of one invocation; default 30s
	Log     io.Writer     // the function's and the emulator's output; nil discards it
}

// Runtime is a function served by a running emulator.
type Runtime struct {
	URL string // the invocation endpoint

	name    string
	timeout time.Duration
	cmd     *exec.Cmd
	out     *tail
	done    chan struct{} // closed when the emulator exits
	stop    sync.Once
}

// Start runs the emulator serving the function on free loopback ports and returns once it
// accepts invocations. The function itself starts (its cold start) on the first invocation.
func Start(ctx context.Context, c Config) (*Runtime, error) {
	if runtime.GOOS != "linux" {
		return nil, ErrUnsupported
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	bootstrap, err := filepath.Abs(c.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("lambdarie: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	runtimeAPI, err := freeAddr() // the emulator's runtime API, which the bootstrap polls
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        c.Name,
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     strconv.Itoa(int(c.Timeout.Seconds())),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_FORMAT":           "JSON",
		"AWS_LAMBDA_LOG_LEVEL":            "INFO",
	}
	for k, v := range c.Env {
		env[k] = v
	}
	cmd := exec.Command(c.Emulator,
		"--log-level", "warn", // of the emulator's own lines; the function's output is passed on whole
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", runtimeAPI,
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap) // as /var/task is the function's in Lambda
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	r := &Runtime{
		URL:  "http://" + addr + "/2015-03-31/functions/function/invocations",
		name: c.Name, timeout: c.Timeout, cmd: cmd, out: &tail{w: c.Log}, done: make(chan struct{}),
	}
	// One writer for both, so exec copies the function's output to it in one goroutine, in order.
	cmd.Stdout, cmd.Stderr = r.out, r.out
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("lambdarie: start the emulator: %w", err)
	}
	go func() { cmd.Wait(); close(r.done) }()
	if err := r.wait(ctx, addr, 10*time.Second); err != nil {
		r.Stop()
		return nil, err
	}
	return r, nil
}

// wait returns once the emulator accepts connections. (A GET of the endpoint would invoke
// the function, so it only dials.)
func (r *Runtime) wait(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-r.done:
			return fmt.Errorf("lambdarie: the emulator for %s exited: %s", r.name, r.out.last())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("lambdarie: the emulator for %s did not listen on %s within %v", r.name, addr, timeout)
		}
	}
}

// Invoke posts event to the function and returns its response payload. If the function
// fails, the error is a *FunctionError and the payload is Lambda's error document; if it
// cannot run at all (a failed cold start, a crash, a timeout), the error quotes the end of
// its output.
func (r *Runtime) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout+5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(event))
	if err != nil {
		return nil, fmt.Errorf("lambdarie: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("lambdarie: invoke %s: %w; its output ends:\n%s", r.name, err, r.out.last())
	}
	defer resp.Body.Close()
	payload, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("lambdarie: invoke %s: read the response: %w", r.name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return payload, fmt.Errorf("lambdarie: invoke %s: the emulator answered %s; the function's output ends:\n%s",
			r.name, resp.Status, r.out.last())
	}
	if strings.HasPrefix(string(payload), "Task timed out") {
		return payload, fmt.Errorf("lambdarie: invoke %s: %s", r.name, payload)
	}
	if fe := functionError(payload); fe != nil {
		return payload, fe
	}
	return payload, nil
}

// Stop ends the emulator and the function. It is safe to call more than once.
func (r *Runtime) Stop() {
	r.stop.Do(func() {
		terminate(r.cmd.Process, r.done)
	})
}

// FunctionError is a function's failure as Lambda reports it: the handler returned an error
// or panicked. (The emulator answers 200 with this document, where Lambda also sets
// X-Amz-Function-Error.)
type FunctionError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

func (e *FunctionError) Error() string { return "function error: " + e.Type + ": " + e.Message }

// functionError recognizes Lambda's error document: errorMessage, errorType and perhaps a
// stackTrace, nothing else.
func functionError(payload []byte) *FunctionError {
	var doc map[string]json.RawMessage
	if json.Unmarshal(payload, &doc) != nil || doc["errorType"] == nil || doc["errorMessage"] == nil {
		return nil
	}
	delete(doc, "stackTrace")
	if len(doc) != 2 {
		return nil
	}
	var fe FunctionError
	if json.Unmarshal(payload, &fe) != nil {
		return nil
	}
	return &fe
}

// tail passes output on to w and keeps its end, to quote in errors.
type tail struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

const tailSize = 16 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = t.buf[len(t.buf)-tailSize:]
	}
	t.w.Write(p) // the function's output must not stop because a log writer failed
	return len(p), nil
}

// last returns the last lines kept of the function's own output, or of the emulator's if the
// function wrote none.
func (t *tail) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	all := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	var fn []string
	for _, l := range all {
		if !strings.Contains(l, "(rapid)") && !strings.HasPrefix(l, "START ") && !strings.HasPrefix(l, "END ") && !strings.HasPrefix(l, "REPORT ") {
			fn = append(fn, l)
		}
	}
	if len(fn) == 0 {
		fn = all
	}
	if len(fn) > 10 {
		fn = fn[len(fn)-10:]
	}
	return "  " + strings.Join(fn, "\n  ")
}

func moduleRoot(ctx context.Context, root string) (string, error) {
	if root != "" {
		return filepath.Abs(root)
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("lambdarie: not inside the Herald module (go env GOMOD: %q, %v)", gomod, err)
	}
	return filepath.Dir(gomod), nil
}

// goCmd runs the go command in dir for this machine, whatever GOOS and GOARCH the caller's
// environment holds (make build's are for Lambda).
func goCmd(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("lambdarie: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
