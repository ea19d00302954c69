// Command api is the Lambda function behind Herald's HTTP API: it serves the rules API of
// package api from API Gateway HTTP API events (payload format 2.0).
package main

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/heraldhq/herald/shared/envconf"
	"github.com/heraldhq/herald/shared/lambdahttp"
	"github.com/heraldhq/herald/shared/wire"
)

func main() { wire.Start(build) }

// build makes the Lambda handler: the API's net/http handler behind the API Gateway adapter.
func build(cfg aws.Config, env *envconf.Env, log *slog.Logger) (any, error) {
	h, err := wire.API(cfg, env, log)
	if err != nil {
		return nil, err
	}
	return lambdahttp.Handler(h), nil
}
