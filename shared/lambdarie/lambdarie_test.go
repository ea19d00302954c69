package lambdarie_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/heraldhq/herald/shared/api"
	"github.com/heraldhq/herald/shared/lambdarie"
)

const root = "../.."

// env is enough for the API function to start; the OpenAPI route calls no AWS service.
var env = map[string]string{
	"HERALD_TABLE": "herald-unused", "AWS_REGION": "us-east-1",
	"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
}

var built struct {
	once                sync.Once
	dir                 string
	bootstrap, emulator string
	err                 error
}

// binaries builds the API function and the emulator once for the package's tests.
func binaries(t *testing.T) (bootstrap, emulator string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip(lambdarie.ErrUnsupported)
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "lambdarie-test-"); built.err != nil {
			return
		}
		ctx := context.Background()
		if built.bootstrap, built.err = lambdarie.Build(ctx, root, "api", filepath.Join(built.dir, "api")); built.err != nil {
			return
		}
		built.emulator, built.err = lambdarie.BuildEmulator(ctx, root, built.dir)
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bootstrap, built.emulator
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInvoke runs the API function once, from source, as `make invoke` does.
func TestInvoke(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip(lambdarie.ErrUnsupported)
	}
	var log bytes.Buffer
	out, err := lambdarie.Invoke(context.Background(), lambdarie.Options{
		Function: "api", Event: sample(t, "api-openapi.json"), Env: env, Log: &log,
	})
	if err != nil {
		t.Fatalf("Invoke: %v\n%s", err, log.String())
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("not an API Gateway response: %v\n%s", err, out)
	}
	if resp.StatusCode != 200 || resp.Body != string(api.OpenAPI) || resp.Headers["Content-Type"] != "application/yaml" {
		t.Errorf("GET /v1/openapi.yaml = %d %q, %d bytes; want 200, the OpenAPI document", resp.StatusCode, resp.Headers["Content-Type"], len(resp.Body))
	}
	// Logged as in Lambda with the stack's settings: JSON, with the request id.
	if !hasJSONLogWithRequestID(log.String()) {
		t.Errorf("no JSON log line with a requestId in the function's output:\n%s", log.String())
	}
}

func hasJSONLogWithRequestID(out string) bool {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) == nil && line["requestId"] != nil {
			return true
		}
	}
	return false
}

// TestRuntime starts the function once and invokes it several times, as the functions
// package's test does, including with an event it cannot read.
func TestRuntime(t *testing.T) {
	bootstrap, emulator := binaries(t)
	ctx := context.Background()
	var log bytes.Buffer
	rt, err := lambdarie.Start(ctx, lambdarie.Config{Emulator: emulator, Bootstrap: bootstrap, Name: "api", Env: env, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Stop()

	out, err := rt.Invoke(ctx, []byte(`"not an API Gateway event"`))
	var fe *lambdarie.FunctionError
	if !errors.As(err, &fe) || fe.Type != "UnmarshalTypeError" {
		t.Errorf("Invoke(a string) = %s, %v; want a function error of type UnmarshalTypeError", out, err)
	}
	for range 2 {
		out, err := rt.Invoke(ctx, sample(t, "api-openapi.json"))
		if err != nil || !bytes.Contains(out, []byte(`"statusCode":200`)) {
			t.Errorf("Invoke(api-openapi.json) = %.200s, %v; want status 200\n%s", out, err, log.String())
		}
	}

	if !running(bootstrap) {
		t.Fatal("the function is not running while the emulator serves it")
	}
	rt.Stop()
	rt.Stop() // twice is fine
	if running(bootstrap) {
		t.Error("the function still runs after Stop")
	}
}

// TestColdStartFailure checks that a function that cannot start says why.
func TestColdStartFailure(t *testing.T) {
	bootstrap, emulator := binaries(t)
	ctx := context.Background()
	rt, err := lambdarie.Start(ctx, lambdarie.Config{Emulator: emulator, Bootstrap: bootstrap, Name: "api",
		Env: map[string]string{"AWS_REGION": "us-east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Stop()
	_, err = rt.Invoke(ctx, sample(t, "api-me.json"))
	if err == nil || !strings.Contains(err.Error(), "HERALD_TABLE is not set") {
		t.Errorf("Invoke without HERALD_TABLE = %v, want an error quoting the cold start's complaint", err)
	}
}

func TestBuildUnknownFunction(t *testing.T) {
	_, err := lambdarie.Build(context.Background(), root, "mailer", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "api, email-sender, matcher, webhook-sender") {
		t.Errorf("Build(mailer) = %v, want an error listing the functions", err)
	}
}

// running reports whether a process runs the executable at path.
func running(path string) bool {
	procs, _ := filepath.Glob("/proc/[0-9]*/exe")
	for _, p := range procs {
		if exe, err := os.Readlink(p); err == nil && exe == path {
			return true
		}
	}
	return false
}
