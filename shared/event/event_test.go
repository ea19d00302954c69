package event

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	envTime := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	env := func(detailType, detail string) Envelope {
		return Envelope{ID: "eb-1", DetailType: detailType, Time: envTime, Detail: json.RawMessage(detail)}
	}
	tests := []struct {
		name    string
		env     Envelope
		check   func(t *testing.T, e Event)
		wantErr string // part of the reason; "" means valid
	}{
		{"login failure", env(DetailLoginFailed, `{"org_id":"o","event_id":"e1","occurred_at":"2026-12-03T10:15:00Z","user":{"email":"a@b.test"},"reason":"MFA"}`),
			func(t *testing.T, e Event) {
				if e.Type != LoginFailure || e.ID != "e1" || e.Reason != "MFA" || e.User.Label() != "a@b.test" || e.OccurredAt.Minute() != 15 {
					t.Errorf("%+v", e)
				}
			}, ""},
		{"falls back to the envelope", env(DetailAuditEvent, `{"org_id":"o","action":"socket.create"}`),
			func(t *testing.T, e Event) {
				if e.Type != Audit || e.ID != "eb-1" || !e.OccurredAt.Equal(envTime) {
					t.Errorf("id %q time %v, want the envelope's", e.ID, e.OccurredAt)
				}
			}, ""},
		{"a type in the detail is overruled", env(DetailLoginSucceeded, `{"org_id":"o","type":"audit-events"}`),
			func(t *testing.T, e Event) {
				if e.Type != LoginSuccess {
					t.Errorf("type %q", e.Type)
				}
			}, ""},
		{"unknown detail-type", env("Logout", `{"org_id":"o"}`), nil, `unknown detail-type "Logout"`},
		{"no org", env(DetailLoginFailed, `{"event_id":"e"}`), nil, "no org_id"},
		{"no detail", env(DetailLoginFailed, ``), nil, "no detail"},
		{"null detail", env(DetailLoginFailed, `null`), nil, "no detail"},
		{"not an object", env(DetailLoginFailed, `[1]`), nil, "detail"},
		{"wrong field type", env(DetailLoginFailed, `{"org_id":7}`), nil, "detail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.env)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrMalformed saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, e)
		})
	}
}

func TestChangeList(t *testing.T) {
	e := Event{Changes: json.RawMessage(`{"name":"x","enabled":{"from":true,"to":false}}`)}
	got := e.ChangeList()
	if len(got) != 2 || got[0] != (Change{Field: "enabled", From: "true", To: "false"}) || got[1] != (Change{Field: "name", To: `"x"`}) {
		t.Errorf("ChangeList = %+v", got)
	}
	if (&Event{Changes: json.RawMessage(`[1,2]`)}).ChangeList() != nil {
		t.Error("changes that are not an object should yield nothing")
	}
}

func TestTypes(t *testing.T) {
	for _, ty := range Types {
		back, ok := TypeOfDetail(ty.DetailType())
		if !ok || back != ty || ty.Description() == "" || !ty.Valid() {
			t.Errorf("%s does not round-trip through its detail-type", ty)
		}
	}
	if Type("logout").Valid() || TypeNames() != "login-success, login-failure, audit-events" {
		t.Error("unexpected types")
	}
}
