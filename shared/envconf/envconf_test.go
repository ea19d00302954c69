package envconf

import (
	"strings"
	"testing"
	"time"
)

func TestEnvReportsAllProblems(t *testing.T) {
	e := FromMap(map[string]string{"A": "x", "FLAG": "maybe", "WAIT": "soon"})
	if got := e.Require("A"); got != "x" {
		t.Errorf("Require(A) = %q", got)
	}
	e.Require("TABLE")
	e.Require("QUEUE")
	if got := e.String("MISSING", "def"); got != "def" {
		t.Errorf("String default = %q", got)
	}
	e.Bool("FLAG", false)
	if got := e.Duration("WAIT", time.Second); got != time.Second {
		t.Errorf("Duration default = %v", got)
	}
	err := e.Err()
	if err == nil {
		t.Fatal("Err() = nil, want the problems")
	}
	for _, want := range []string{"TABLE is not set", "QUEUE is not set", `FLAG="maybe"`, `WAIT="soon"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	ok := FromMap(map[string]string{"B": "true", "D": "3s"})
	if !ok.Bool("B", false) || ok.Duration("D", 0) != 3*time.Second || ok.Err() != nil {
		t.Errorf("valid values misread: %v", ok.Err())
	}
}
