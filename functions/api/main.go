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
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/heraldhq/herald/shared/api"
	"github.com/heraldhq/herald/shared/auth"
	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/lambdahttp"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/store"
	"github.com/heraldhq/herald/shared/webhook"
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
	table := env.Require("HERALD_TABLE")
	claims := auth.Claims{Org: env.String("HERALD_CLAIM_ORG", "org_id"), Role: env.String("HERALD_CLAIM_ROLE", "role")}
	policy := notification.Policy{AllowHTTP: env.Bool("HERALD_ALLOW_HTTP_WEBHOOKS", false)}
	if err := env.Err(); err != nil {
		return nil, err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("api: load AWS config: %w", err)
	}
	db := dynamodb.NewFromConfig(cfg)
	h := api.New(&api.Handler{
		Rules:      &store.Rules{DB: db, Table: table},
		Deliveries: &delivery.Log{DB: db, Table: table},
		Policy:     policy,
		Claims:     claims,
		Log:        log,
		NewSecret:  webhook.NewSecret,
	})
	return lambdahttp.Handler(h), nil
}
