package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/shared/lambdarie"
	"github.com/heraldhq/herald/shared/localstack"
	"github.com/heraldhq/herald/shared/motoserver"
	"github.com/heraldhq/herald/shared/topology"
)

func newInvokeCmd(stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "invoke FUNCTION EVENT_FILE",
		Short: "Run one function on one event under the Lambda Runtime Interface Emulator",
		Long: `invoke builds the function's real bootstrap for this machine, runs it under the AWS Lambda
Runtime Interface Emulator against the local stack on the AWS emulator (AWS_ENDPOINT_URL, or a
moto_server it starts), posts the event and prints the function's response. The function's log
goes to stderr. This is what sam local invoke does, without Docker.`,
		Example: `  make invoke FN=api EVENT=events/api-list.json
  herald-local invoke matcher events/eventbridge-login-failed.json`,
		Args:          cobra.ExactArgs(2),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := invoke(cmd.Context(), stdout, stderr, args[0], args[1])
			if err != nil {
				fmt.Fprintln(stderr, "herald-local invoke:", err)
			}
			return err
		},
	}
}

// invoke runs fn on the event in eventFile, as Lambda would, and prints the response.
func invoke(ctx context.Context, stdout, stderr io.Writer, fn, eventFile string) error {
	event, err := os.ReadFile(eventFile)
	if err != nil {
		return err
	}
	setDefaultEnv()
	if os.Getenv("AWS_ENDPOINT_URL") == "" {
		m, err := motoserver.Start(ctx, "")
		if err != nil {
			return err
		}
		defer m.Stop()
		os.Setenv("AWS_ENDPOINT_URL", m.URL)
	} else if err := motoserver.Wait(ctx, os.Getenv("AWS_ENDPOINT_URL"), 10*time.Second); err != nil {
		return err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("AWS config: %w", err)
	}
	s, err := localstack.Provision(ctx, cfg, localstack.Options{Names: topology.DefaultNames(), AllowPrivate: true})
	if err != nil {
		return err
	}
	out, err := lambdarie.Invoke(ctx, lambdarie.Options{Function: fn, Event: event, Env: lambdarie.WithAWSEnv(s.Env()), Log: stderr})
	var fe *lambdarie.FunctionError
	if err != nil && !errors.As(err, &fe) {
		return err
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, out, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(out)
	}
	fmt.Fprintln(stdout, pretty.String())
	return err // a function error fails the command, after Lambda's error document is printed
}
