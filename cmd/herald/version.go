package main

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/shared/apiclient"
)

// buildVersion is set at link time by release builds: -ldflags "-X main.buildVersion=v1.2.3".
var buildVersion string

// version is the CLI's version: the one it was linked with, else the module version `go install`
// recorded, else "dev".
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	return apiclient.Version()
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print herald's version",
		Example: `  herald version`,
		Args:    cobra.NoArgs,
		RunE: runE(func(*cobra.Command, []string) error {
			v := map[string]string{"version": version(), "go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}
			if a.jsonOutput() {
				b, _ := json.Marshal(v) // a map of strings always marshals
				return a.printJSON(b)
			}
			fmt.Fprintf(a.stdout, "herald %s (%s, %s)\n", v["version"], v["go"], v["platform"])
			return nil
		}),
	}
}
