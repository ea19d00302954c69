// Package awstest runs a package's tests against a local AWS emulator: the one that
// AWS_ENDPOINT_URL names (make test starts one), or a moto_server it starts itself.
package awstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/heraldhq/herald/shared/motoserver"
	"github.com/heraldhq/herald/shared/provision"
)

// Main runs m with an emulator behind the standard AWS variables and dummy credentials.
// Use it as the package's TestMain: func TestMain(m *testing.M) { awstest.Main(m) }.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	setDefault := func(k, v string) {
		if os.Getenv(k) == "" {
			os.Setenv(k, v)
		}
	}
	setDefault("AWS_REGION", "us-east-1")
	setDefault("AWS_ACCESS_KEY_ID", "testing")
	setDefault("AWS_SECRET_ACCESS_KEY", "testing")
	os.Unsetenv("AWS_PROFILE")
	if os.Getenv("AWS_ENDPOINT_URL") == "" {
		srv, err := motoserver.Start(context.Background(), "")
		if err != nil {
			fmt.Fprintln(os.Stderr, "awstest: these tests need a local AWS emulator:", err)
			return 1
		}
		defer srv.Stop()
		os.Setenv("AWS_ENDPOINT_URL", srv.URL)
	}
	return m.Run()
}

// Config is an AWS config for the emulator.
func Config(t testing.TB) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatalf("awstest: load AWS config: %v", err)
	}
	return cfg
}

// Name returns prefix plus a random suffix, so tests sharing an emulator never collide.
func Name(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// Table creates a fresh Herald table and returns its name; it is deleted when the test ends.
func Table(t testing.TB, db *dynamodb.Client) string {
	t.Helper()
	name := Name("herald-test")
	if err := provision.Table(context.Background(), db, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}
