// Command matcher is the Lambda function the EventBridge rule invokes: it matches each login or
// audit event to the organization's rules and enqueues one delivery job per rule.
package main

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/wire"
)

func main() {
	wire.Start(func(cfg aws.Config, env *envconf.Env, log *slog.Logger) (any, error) {
		h, err := wire.Matcher(cfg, env, log)
		if err != nil {
			return nil, err
		}
		return h.Handle, nil
	})
}
