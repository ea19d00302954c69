// Command api is the Lambda function behind Herald's HTTP API: it serves the rules API of
// package api from API Gateway HTTP API events (payload format 2.0).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/lambdahttp"
	"github.com/heraldhq/herald/shared/wire"
)

type handlerFunc = func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

func main() {
	log := lambdacontext.NewLogger()
	h, err := newHandler(context.Background(), envconf.New(), log)
	if err != nil {
		log.Error("cold start failed", "error", err)
		os.Exit(1)
	}
	lambda.Start(h)
}

// newHandler reads the configuration and builds the Lambda handler, once per cold start.
func newHandler(ctx context.Context, env *envconf.Env, log *slog.Logger) (handlerFunc, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("api: load AWS config: %w", err)
	}
	h, err := wire.API(cfg, env, log)
	if err != nil {
		return nil, err
	}
	return lambdahttp.Handler(h), nil
}
