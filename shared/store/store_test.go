package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

func TestMain(m *testing.M) { awstest.Main(m) }

func newRules(t *testing.T) *Rules {
	db := dynamodb.NewFromConfig(awstest.Config(t))
	return &Rules{DB: db, Table: awstest.Table(t, db)}
}

func rule(org, name string) notification.Rule {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	return notification.Rule{
		Org: org, Name: name, Type: notification.Webhook, Enabled: true,
		Events:     []event.Type{event.LoginFailure, event.Audit},
		WebhookURL: "https://hooks.slack.com/services/T1/B2/tok", Format: notification.FormatAuto,
		Secret:    "whsec_c2VjcmV0",
		CreatedAt: now, UpdatedAt: now, CreatedBy: "u_1", UpdatedBy: "u_1", Version: 1,
	}
}

func TestCreateGet(t *testing.T) {
	s, ctx := newRules(t), context.Background()
	want := rule("org_a", "slack")
	if err := s.Create(ctx, want); err != nil {
		t.Fatalf("Create: %v", err)
	}
	got, err := s.Get(ctx, "org_a", "slack")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if _, err := s.Get(ctx, "org_b", "slack"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another org's Get = %v, want ErrNotFound", err)
	}
	if err := s.Create(ctx, rule("org_a", "slack")); !errors.Is(err, ErrExists) {
		t.Errorf("second Create = %v, want ErrExists", err)
	}
	if err := s.Create(ctx, rule("org_b", "slack")); err != nil {
		t.Errorf("same name in another org: %v", err)
	}
}

func TestListInNameOrder(t *testing.T) {
	s, ctx := newRules(t), context.Background()
	for _, n := range []string{"zeta", "alpha", "mid-1", "mid-0"} {
		if err := s.Create(ctx, rule("org_a", n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Create(ctx, rule("org_b", "beta")); err != nil {
		t.Fatal(err)
	}
	rules, err := s.List(ctx, "org_a")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rules {
		names = append(names, r.Name)
	}
	if fmt.Sprint(names) != "[alpha mid-0 mid-1 zeta]" {
		t.Errorf("List = %v, want [alpha mid-0 mid-1 zeta]", names)
	}
	if rules, _ := s.List(ctx, "org_none"); len(rules) != 0 {
		t.Errorf("empty org lists %d rules", len(rules))
	}
}

func TestConcurrentUpdateRefused(t *testing.T) {
	s, ctx := newRules(t), context.Background()
	if err := s.Create(ctx, rule("org_a", "r")); err != nil {
		t.Fatal(err)
	}
	a, _ := s.Get(ctx, "org_a", "r")
	b, _ := s.Get(ctx, "org_a", "r")
	a.Enabled = false
	if err := s.Update(ctx, &a); err != nil {
		t.Fatalf("first writer: %v", err)
	}
	if a.Version != 2 {
		t.Errorf("version after update = %d, want 2", a.Version)
	}
	b.Events = []event.Type{event.LoginSuccess}
	if err := s.Update(ctx, &b); !errors.Is(err, ErrConflict) {
		t.Fatalf("second writer with a stale version: %v, want ErrConflict", err)
	}
	got, _ := s.Get(ctx, "org_a", "r")
	if got.Enabled || len(got.Events) != 2 {
		t.Errorf("stored rule = %+v, want the first writer's", got)
	}
	ghost := rule("org_a", "ghost")
	if err := s.Update(ctx, &ghost); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of a missing rule = %v, want ErrNotFound", err)
	}
}

func TestDelete(t *testing.T) {
	s, ctx := newRules(t), context.Background()
	if err := s.Create(ctx, rule("org_a", "r")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, "org_b", "r"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete from another org = %v, want ErrNotFound", err)
	}
	old, err := s.Delete(ctx, "org_a", "r")
	if err != nil || old.Name != "r" {
		t.Fatalf("Delete = %+v, %v", old, err)
	}
	if _, err := s.Get(ctx, "org_a", "r"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after delete = %v", err)
	}
	if _, err := s.Delete(ctx, "org_a", "r"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete = %v, want ErrNotFound", err)
	}
}

func TestLimitPerOrg(t *testing.T) {
	s, ctx := newRules(t), context.Background()
	for i := range notification.MaxRulesPerOrg {
		if err := s.Create(ctx, rule("org_a", fmt.Sprintf("rule-%03d", i))); err != nil {
			t.Fatalf("rule %d: %v", i+1, err)
		}
	}
	if err := s.Create(ctx, rule("org_a", "one-too-many")); !errors.Is(err, ErrLimit) {
		t.Fatalf("101st rule = %v, want ErrLimit", err)
	}
	if err := s.Create(ctx, rule("org_a", "rule-000")); !errors.Is(err, ErrExists) {
		t.Errorf("an existing name at the limit = %v, want ErrExists", err)
	}
	if err := s.Create(ctx, rule("org_b", "other-org")); err != nil {
		t.Errorf("another org is not limited by org_a: %v", err)
	}
	if _, err := s.Delete(ctx, "org_a", "rule-000"); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, rule("org_a", "one-too-many")); err != nil {
		t.Errorf("after a delete there is room again: %v", err)
	}
	rules, _ := s.List(ctx, "org_a")
	if len(rules) != notification.MaxRulesPerOrg {
		t.Errorf("List = %d rules, want %d", len(rules), notification.MaxRulesPerOrg)
	}
}

func TestDisable(t *testing.T) {
	s, ctx := newRules(t), context.Background()
	if err := s.Create(ctx, rule("org_a", "r")); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC)
	got, err := s.Disable(ctx, "org_a", "r", "the last 5 deliveries failed", "herald", at)
	if err != nil {
		t.Fatal(err)
	}
	if got.Enabled || got.DisabledReason != "the last 5 deliveries failed" || got.DisabledAt == nil || !got.DisabledAt.Equal(at) || got.Version != 2 || got.UpdatedBy != "herald" {
		t.Errorf("disabled rule = %+v", got)
	}
	if stored, _ := s.Get(ctx, "org_a", "r"); stored.Enabled || stored.DisabledReason == "" || stored.Version != 2 {
		t.Errorf("stored rule = %+v", stored)
	}
	if _, err := s.Disable(ctx, "org_a", "r", "again", "herald", at); !errors.Is(err, ErrConflict) {
		t.Errorf("disabling a disabled rule = %v, want ErrConflict", err)
	}
	if _, err := s.Disable(ctx, "org_a", "ghost", "x", "herald", at); !errors.Is(err, ErrNotFound) {
		t.Errorf("disabling a missing rule = %v, want ErrNotFound", err)
	}
}
