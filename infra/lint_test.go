package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCfnLint runs cfn-lint, CloudFormation's linter, on the synthesized template (with a
// deployment's context, so every optional part is in it) and fails on its errors. Warnings
// are logged: CDK writes a few harmless ones (e.g. W3005, a DependsOn that a GetAtt already
// implies).
func TestCfnLint(t *testing.T) {
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not on PATH (pip install cfn-lint)")
	}
	ctx := map[string]any{"sesConfigurationSet": "herald-events", "alarmEmail": "oncall@acme.test"}
	for k, v := range deployContext {
		ctx[k] = v
	}
	s := synth(t, ctx)
	template := filepath.Join(s.outdir, *s.stack.ArtifactId()+".template.json")

	// cfn-lint exits non-zero for warnings too; its JSON report says which is which.
	out, err := exec.Command(lint, "--format", "json", template).Output()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatalf("cfn-lint: %v", err)
	}
	var findings []struct {
		Level    string
		Message  string
		Rule     struct{ Id string }
		Location struct {
			Path []any
		}
	}
	if err := json.Unmarshal(out, &findings); err != nil {
		t.Fatalf("cfn-lint's report: %v\n%s", err, out)
	}
	for _, f := range findings {
		if f.Level == "Error" {
			t.Errorf("%s %s at %v", f.Rule.Id, f.Message, f.Location.Path)
		} else {
			t.Logf("%s %s: %s", f.Level, f.Rule.Id, f.Message)
		}
	}
}
