package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// HeraldStackProps wraps awscdk.StackProps so Herald-specific settings can be
// added later without changing NewHeraldStack's signature.
type HeraldStackProps struct {
	awscdk.StackProps
}

// stackDescription is shown in the CloudFormation console; tests assert on it.
const stackDescription = "Herald: notification rules, event matching and delivery (email, webhooks)"

// NewHeraldStack defines Herald's AWS resources. It is empty for now: the
// table, queues, bus rule, functions and HTTP API are added in later changes.
func NewHeraldStack(scope constructs.Construct, id string, props *HeraldStackProps) awscdk.Stack {
	var sprops awscdk.StackProps
	if props != nil {
		sprops = props.StackProps
	}
	if sprops.Description == nil {
		sprops.Description = jsii.String(stackDescription)
	}
	stack := awscdk.NewStack(scope, &id, &sprops)
	return stack
}
