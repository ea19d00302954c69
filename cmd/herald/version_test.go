package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	res := runCLI(t, nil, "version")
	if want := "herald dev (" + runtime.Version() + ", "; res.code != exitOK || !strings.HasPrefix(res.stdout, want) {
		t.Errorf("herald version: exit status %d, %q; want %q...", res.code, res.stdout, want)
	}

	res = runCLI(t, nil, "version", "-o", "json")
	var v map[string]string
	if err := json.Unmarshal([]byte(res.stdout), &v); err != nil || v["version"] != "dev" || v["go"] != runtime.Version() {
		t.Errorf("herald version -o json: %q (%v)", res.stdout, err)
	}

	buildVersion = "v1.2.3"
	t.Cleanup(func() { buildVersion = "" })
	if res := runCLI(t, nil, "version"); !strings.HasPrefix(res.stdout, "herald v1.2.3 (") {
		t.Errorf("with a linked version: %q", res.stdout)
	}
}
