// Command email-sender is the Lambda function fed by the email job queue: it sends each job as
// one email through SES v2 and hands transient failures back to SQS as partial batch failures.
package main

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/wire"
)

func main() {
	wire.Start(func(cfg aws.Config, env *envconf.Env, log *slog.Logger) (any, error) {
		h, err := wire.EmailSender(cfg, env, log)
		if err != nil {
			return nil, err
		}
		return h.Handle, nil
	})
}
