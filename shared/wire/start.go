package wire

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/heraldhq/herald/shared/envconf"
)

// Builder makes a function's Lambda handler (a func lambda.Start accepts) from its
// configuration.
type Builder func(cfg aws.Config, env *envconf.Env, log *slog.Logger) (any, error)

// Start is a function's whole main: at cold start, load the AWS config and the environment once
// and build the handler, or log why not and exit; then serve invocations.
func Start(build Builder) {
	log := lambdacontext.NewLogger()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("cold start: load the AWS config", "error", err)
		os.Exit(1)
	}
	h, err := build(cfg, envconf.New(), log)
	if err != nil {
		log.Error("cold start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
