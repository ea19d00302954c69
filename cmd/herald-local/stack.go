package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/localauth"
	"github.com/heraldhq/herald/shared/localstack"
	"github.com/heraldhq/herald/shared/motoserver"
	"github.com/heraldhq/herald/shared/topology"
	"github.com/heraldhq/herald/shared/wire"
)

// stackOptions say how to run the local stack.
type stackOptions struct {
	Addr   string // where the API and portal listen, e.g. 127.0.0.1:8080
	Dir    string // state: the dev signing key, dev.env, logs
	Org    string // the organization of the admin token printed at start
	Names  topology.Names
	Log    *slog.Logger // the functions' logs
	Stderr io.Writer    // progress
}

// stack is a running local Herald: the AWS emulator, the API on HTTP and the functions fed by
// their event sources.
type stack struct {
	APIURL     string
	AWSURL     string
	AdminToken string
	Authority  *localauth.Authority
	Local      *localstack.Stack

	moto   *motoserver.Server // nil when the emulator was already running
	server *http.Server
	cancel context.CancelFunc
	done   chan struct{}
}

// startStack brings the local stack up and returns once it serves.
func startStack(ctx context.Context, o stackOptions) (*stack, error) {
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", o.Dir, err)
	}
	s := &stack{done: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			s.Stop()
		}
	}()

	// The emulator: the one AWS_ENDPOINT_URL names, or our own moto_server.
	setDefaultEnv()
	if url := os.Getenv("AWS_ENDPOINT_URL"); url != "" {
		if err := motoserver.Wait(ctx, url, 10*time.Second); err != nil {
			return nil, fmt.Errorf("AWS_ENDPOINT_URL=%s does not answer (left over from an old .herald/dev.env? "+
				"unset AWS_ENDPOINT_URL and herald-local starts its own emulator): %w", url, err)
		}
		s.AWSURL = url
	} else {
		fmt.Fprintln(o.Stderr, "Starting the AWS emulator (moto_server)...")
		m, err := motoserver.Start(ctx, filepath.Join(o.Dir, "moto.log"))
		if err != nil {
			return nil, err
		}
		s.moto, s.AWSURL = m, m.URL
		os.Setenv("AWS_ENDPOINT_URL", m.URL)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS config: %w", err)
	}

	fmt.Fprintln(o.Stderr, "Creating the table, queues, event bus and SES identity...")
	s.Local, err = localstack.Provision(ctx, cfg, localstack.Options{
		Names: o.Names, AllowPrivate: true, Log: o.Log,
	})
	if err != nil {
		return nil, err
	}
	if s.Authority, err = localauth.Load(o.Dir); err != nil {
		return nil, err
	}
	authLog := o.Log.With("function", "authorizer")
	s.Authority.Rejected = func(r *http.Request, why string) {
		authLog.Info("request", "method", r.Method, "path", r.URL.Path, "status", http.StatusUnauthorized, "reason", why)
	}
	if s.AdminToken, err = s.Authority.Issue(adminOf(o.Org), 12*time.Hour); err != nil {
		return nil, err
	}

	h, err := wire.API(cfg, envconf.FromMap(s.Local.Env()), o.Log.With("function", "api"))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another herald-local running? use --addr)", o.Addr, err)
	}
	s.APIURL = "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("/", s.Authority.Authorizer(h, public))
	// Only the local stack signs a browser in without an identity provider.
	mux.Handle("GET /local/session", localSession(s.Authority, o.Org))
	s.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.server.Serve(ln)
	go func() {
		defer close(s.done)
		if err := s.Local.Run(runCtx); err != nil {
			o.Log.Error("the event sources stopped", "error", err)
		}
	}()
	ok = true
	return s, nil
}

// public says which requests reach the API without a token, as the routes API Gateway serves
// without its authorizer.
func public(r *http.Request) bool {
	return r.URL.Path == "/v1/openapi.yaml" || !strings.HasPrefix(r.URL.Path, "/v1/")
}

// Stop ends everything the stack started.
func (s *stack) Stop() {
	if s.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.server.Shutdown(ctx)
		cancel()
	}
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
	if s.moto != nil {
		s.moto.Stop()
	}
}

// Env is what a shell needs to use the stack: the CLI's URL and token, and the AWS settings a
// producer needs to publish to the local bus.
func (s *stack) Env() [][2]string {
	return [][2]string{
		{"HERALD_API_URL", s.APIURL},
		{"HERALD_TOKEN", s.AdminToken},
		{wire.EnvEventBus, s.Local.Resources.Names.Bus},
		{"AWS_ENDPOINT_URL", s.AWSURL},
		{"AWS_REGION", os.Getenv("AWS_REGION")},
		{"AWS_ACCESS_KEY_ID", os.Getenv("AWS_ACCESS_KEY_ID")},
		{"AWS_SECRET_ACCESS_KEY", os.Getenv("AWS_SECRET_ACCESS_KEY")},
	}
}

// writeEnv writes Env to path as export lines.
func (s *stack) writeEnv(path string) error {
	var b strings.Builder
	b.WriteString("# Written by herald-local; load it with: source " + path + "\n")
	for _, kv := range s.Env() {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], kv[1])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// setDefaultEnv gives the AWS SDK a region and dummy credentials for the emulator, unless the
// user set their own.
func setDefaultEnv() {
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"} {
		if os.Getenv(k) == "" {
			os.Setenv(k, v)
		}
	}
}
