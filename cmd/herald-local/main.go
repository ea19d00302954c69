// Command herald-local runs all of Herald on one machine: it starts the AWS emulator
// (moto_server), creates Herald's resources from the same definitions the CDK stack uses, serves
// the API and portal with a stand-in for API Gateway's JWT authorizer, and feeds the functions
// their events the way Lambda's event sources do.
//
//	herald-local                 run the local stack (make dev)
//	herald-local token ...       print a development token
//	herald-local demo            deliver one event of each type end to end, then stop (make demo)
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/shared/localauth"
	"github.com/heraldhq/herald/shared/topology"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx); err != nil {
		os.Exit(1)
	}
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	var addr, dir, org, suffix string
	root := &cobra.Command{
		Use:   "herald-local",
		Short: "Run all of Herald on this machine against a local AWS emulator",
		Long: `herald-local runs Herald's API, portal, matcher and senders on this machine. It starts
moto_server (or uses the emulator AWS_ENDPOINT_URL names), creates the table, queues, event bus
and SES identity, serves the API and portal, and prints an admin token. Webhooks may reach
loopback and private addresses and plain http here, unlike in AWS.`,
		Example: `  herald-local                      # what make dev runs
  herald-local --addr 127.0.0.1:9090
  herald-local token --org org_acme --role member`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := serve(cmd.Context(), stdout, stderr, stackOptions{Addr: addr, Dir: dir, Org: org, Names: topology.DefaultNames().WithSuffix(suffix)})
			if err != nil {
				fmt.Fprintln(stderr, "herald-local:", err)
			}
			return err
		},
	}
	root.PersistentFlags().StringVar(&dir, "dir", ".herald", "where the dev signing key, dev.env and logs are kept")
	root.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "where the API and portal listen")
	root.Flags().StringVar(&org, "org", "org_acme", "organization of the admin token printed at start")
	root.Flags().StringVar(&suffix, "name-suffix", "", "append this to every AWS resource name, so several stacks can share one emulator (tests)")
	root.Flags().MarkHidden("name-suffix")
	root.AddCommand(newTokenCmd(stdout, stderr, &dir), newDemoCmd(stdout, stderr, &dir), newInvokeCmd(stdout, stderr))
	return root
}

func newTokenCmd(stdout, stderr io.Writer, dir *string) *cobra.Command {
	var id localauth.Identity
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a development token for the local stack's API",
		Example: `  herald-local token --org org_acme --role admin
  export HERALD_TOKEN=$(herald-local token --org org_acme --role member --email bob@acme.test)`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id.Role != "admin" && id.Role != "member" {
				err := fmt.Errorf("--role must be admin or member, not %q", id.Role)
				fmt.Fprintln(stderr, "herald-local token:", err)
				return err
			}
			a, err := localauth.Load(*dir)
			if err == nil {
				var tok string
				if tok, err = a.Issue(id, ttl); err == nil {
					fmt.Fprintln(stdout, tok)
					return nil
				}
			}
			fmt.Fprintln(stderr, "herald-local token:", err)
			return err
		},
	}
	cmd.Flags().StringVar(&id.Org, "org", "org_acme", "the organization the token is for")
	cmd.Flags().StringVar(&id.Role, "role", "admin", "admin or member")
	cmd.Flags().StringVar(&id.Email, "email", "", "the user's email (optional)")
	cmd.Flags().StringVar(&id.Subject, "subject", "", "the token's subject (default local-<role>)")
	cmd.Flags().DurationVar(&ttl, "ttl", 12*time.Hour, "how long the token is valid")
	return cmd
}

// serve runs the local stack until ctx is done.
func serve(ctx context.Context, stdout, stderr io.Writer, o stackOptions) error {
	logFile, err := openLog(o.Dir)
	if err != nil {
		return err
	}
	defer logFile.Close()
	o.Log, o.Stderr = slogLogger(logFile, stdout), stderr
	start := time.Now()
	s, err := startStack(ctx, o)
	if err != nil {
		return err
	}
	defer s.Stop()
	envPath := filepath.Join(o.Dir, "dev.env")
	if err := s.writeEnv(envPath); err != nil {
		return err
	}
	printBanner(stdout, s, envPath, logFile.Name(), time.Since(start))
	<-ctx.Done()
	fmt.Fprintln(stderr, "\nStopping: the API, the event sources and the AWS emulator...")
	return nil
}

func openLog(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "herald.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the log: %w", err)
	}
	return f, nil
}
