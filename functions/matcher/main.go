// Command matcher is the Lambda function the EventBridge rule invokes: it matches each login or
// audit event to the organization's rules and enqueues one delivery job per rule.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/wire"
)

func main() {
	log := lambdacontext.NewLogger()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("cold start: load AWS config", "error", err)
		os.Exit(1)
	}
	h, err := wire.Matcher(cfg, envconf.New(), log)
	if err != nil {
		log.Error("cold start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
