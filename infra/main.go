// Command infra is Herald's AWS CDK app. It lives in its own module so the
// (very large) CDK dependency stays out of the service's go.mod and ./... builds.
package main

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	code := run()
	// The jsii runtime runs a Node.js child process; Close stops it cleanly.
	jsii.Close()
	os.Exit(code)
}

func run() int {
	// The cdk CLI sets CDK_OUTDIR; under plain `go run .` write to ./cdk.out
	// (as the CLI would) instead of a throwaway temp directory.
	underCLI := os.Getenv("CDK_OUTDIR") != ""
	outdir := ""
	if !underCLI {
		outdir = "cdk.out"
	}
	app := newApp(outdir)

	assets := filepath.Join("..", "build")
	if err := checkAssets(assets); err != nil {
		fmt.Fprintf(os.Stderr, "herald: %v\n(make build writes build/<function>/bootstrap for Lambda: linux/arm64)\n", err)
		return 1
	}
	NewHeraldStack(app, "Herald", &HeraldStackProps{AssetsDir: assets})
	asm := app.Synth(nil)
	if underCLI {
		return 0 // the CLI reports warnings and errors itself, and fails on errors
	}
	if report(os.Stderr, asm) {
		return 1
	}
	return 0
}

// newApp returns the CDK app writing to outdir ("": where the CLI says). It records each
// asset's path and each construct's path in the template's metadata, as the CDK CLI does by
// default and plain `go run .` would not: `sam local invoke` finds a function's code there.
func newApp(outdir string) awscdk.App {
	props := &awscdk.AppProps{Context: &map[string]any{
		"aws:cdk:enable-asset-metadata": true,
		"aws:cdk:enable-path-metadata":  true,
	}}
	if outdir != "" {
		props.Outdir = jsii.String(outdir)
	}
	return awscdk.NewApp(props)
}

// report prints the assembly's warnings and errors, as the CDK CLI would, and says whether
// there were errors.
func report(w io.Writer, asm cxapi.CloudAssembly) (failed bool) {
	for _, st := range *asm.Stacks() {
		for _, m := range *st.Messages() {
			if m.Level == cxapi.SynthesisMessageLevel_INFO {
				continue
			}
			failed = failed || m.Level == cxapi.SynthesisMessageLevel_ERROR
			fmt.Fprintf(w, "[%s at %s] %v\n", strings.ToLower(string(m.Level)), *m.Id, m.Entry.Data)
		}
	}
	return failed
}

// checkAssets makes sure every function's bootstrap is there and built for Lambda's arm64,
// so a forgotten or host-built binary fails the synth, not the first invocation in AWS.
func checkAssets(dir string) error {
	var dirs []string
	for _, d := range functionDirs {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	for _, d := range dirs {
		path := filepath.Join(dir, d, "bootstrap")
		f, err := elf.Open(path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		machine := f.Machine
		f.Close()
		if machine != elf.EM_AARCH64 {
			return fmt.Errorf("%s is built for %v; Lambda runs it on arm64", path, machine)
		}
	}
	return nil
}
