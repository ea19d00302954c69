package api_test

import (
	"flag"
	"testing"
)

// TestDocumentedResponsesAreExercised checks that the tests above got every response the
// document describes, so the document promises nothing the handler doesn't do. It runs last
// (Go runs files in name order, and a file's tests in order), and only when the whole
// package runs.
func TestDocumentedResponsesAreExercised(t *testing.T) {
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		t.Skip("only part of the package ran")
	}
	if f := flag.Lookup("test.shuffle"); f != nil && f.Value.String() != "off" {
		t.Skip("tests ran in random order")
	}
	if testing.Short() {
		t.Skip("some tests were skipped")
	}
	s := loadSpec(t)
	for _, pair := range s.documented() {
		if !s.wasSeen(pair) {
			t.Errorf("openapi.yaml documents %s, but no test got it", pair)
		}
	}
}
