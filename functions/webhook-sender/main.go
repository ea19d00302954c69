// Command webhook-sender is the Lambda function fed by the webhook job queue: it renders, signs
// and POSTs each job, and hands transient failures back to SQS as partial batch failures.
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
	h, err := wire.WebhookSender(cfg, envconf.New(), log)
	if err != nil {
		log.Error("cold start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
