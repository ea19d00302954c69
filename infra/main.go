// Command infra is Herald's AWS CDK app. It lives in its own module so the
// (very large) CDK dependency stays out of the service's go.mod and ./... builds.
package main

import (
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	// The jsii runtime runs a Node.js child process; Close stops it cleanly.
	defer jsii.Close()

	// The cdk CLI sets CDK_OUTDIR; under plain `go run .` write to ./cdk.out
	// (as the CLI would) instead of a throwaway temp directory.
	var props awscdk.AppProps
	if os.Getenv("CDK_OUTDIR") == "" {
		props.Outdir = jsii.String("cdk.out")
	}
	app := awscdk.NewApp(&props)

	NewHeraldStack(app, "Herald", &HeraldStackProps{})

	app.Synth(nil)
}
