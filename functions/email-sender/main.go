// Command email-sender is the Lambda function fed by the email job queue: it sends each job as
// one email through SES v2 and hands transient failures back to SQS as partial batch failures.
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
	h, err := wire.EmailSender(cfg, envconf.New(), log)
	if err != nil {
		log.Error("cold start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
