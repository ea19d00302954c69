package main

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestMain closes the jsii runtime after all tests so its Node.js child
// process does not outlive the test binary.
func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestHeraldStackDescription(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := NewHeraldStack(app, "Herald", nil)

	template := assertions.Template_FromStack(stack, nil)
	tmpl := *template.ToJSON()
	want := "Herald: notification rules, event matching and delivery (email, webhooks)"
	if got := tmpl["Description"]; got != want {
		t.Errorf("Description = %v, want %q", got, want)
	}
}
