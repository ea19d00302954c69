package delivery

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/heraldhq/herald/shared/awstest"
	"github.com/heraldhq/herald/shared/event"
)

func TestMain(m *testing.M) { awstest.Main(m) }

func TestID(t *testing.T) {
	a := ID("org_a", "evt_1", "slack")
	if a != ID("org_a", "evt_1", "slack") {
		t.Error("ID is not stable")
	}
	for _, other := range []string{ID("org_b", "evt_1", "slack"), ID("org_a", "evt_2", "slack"), ID("org_a", "evt_1", "mail"), ID("org_a", "evt_1s", "lack")} {
		if other == a {
			t.Errorf("ID collides: %s", other)
		}
	}
	if len(a) != len("dlv_")+32 {
		t.Errorf("ID %q has an unexpected length", a)
	}
}

func TestClaims(t *testing.T) {
	db := dynamodb.NewFromConfig(awstest.Config(t))
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	c := &Claims{DB: db, Table: awstest.Table(t, db), Lease: time.Minute, Now: func() time.Time { return now }}
	ctx := context.Background()

	if err := c.Claim(ctx, "d1"); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	if err := c.Claim(ctx, "d1"); !errors.Is(err, ErrBusy) {
		t.Fatalf("claim while another sender holds it = %v, want ErrBusy", err)
	}
	if err := c.Settle(ctx, "d1", Retrying); err != nil {
		t.Fatal(err)
	}
	if err := c.Claim(ctx, "d1"); err != nil {
		t.Fatalf("claim after a transient failure: %v", err)
	}
	if err := c.Settle(ctx, "d1", Delivered); err != nil {
		t.Fatal(err)
	}
	if err := c.Claim(ctx, "d1"); !errors.Is(err, ErrClaimed) {
		t.Errorf("claim after delivery = %v, want ErrClaimed", err)
	}

	if err := c.Claim(ctx, "d2"); err != nil {
		t.Fatal(err)
	}
	if err := c.Settle(ctx, "d2", Failed); err != nil {
		t.Fatal(err)
	}
	if err := c.Claim(ctx, "d2"); !errors.Is(err, ErrClaimed) {
		t.Errorf("claim after a final failure = %v, want ErrClaimed", err)
	}

	// A sender that died mid-send loses its claim once the lease runs out.
	if err := c.Claim(ctx, "d3"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(30 * time.Second)
	if err := c.Claim(ctx, "d3"); !errors.Is(err, ErrBusy) {
		t.Errorf("claim within the lease = %v, want ErrBusy", err)
	}
	now = now.Add(31 * time.Second)
	if err := c.Claim(ctx, "d3"); err != nil {
		t.Errorf("claim after the lease ran out: %v", err)
	}
}

func TestLogNewestFirstWithCursor(t *testing.T) {
	db := dynamodb.NewFromConfig(awstest.Config(t))
	l := &Log{DB: db, Table: awstest.Table(t, db)}
	ctx := context.Background()
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for i := range 5 {
		e := Entry{Org: "org_a", Rule: "slack", DeliveryID: fmt.Sprintf("dlv_%d", i), Time: start.Add(time.Duration(i) * time.Second),
			Attempt: 1, Outcome: Delivered, EventType: event.LoginSuccess, EventID: "evt", Status: 200, DurationMS: 12}
		if err := l.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Record(ctx, Entry{Org: "org_b", Rule: "slack", DeliveryID: "other", Outcome: Failed}); err != nil {
		t.Fatal(err)
	}
	page1, cursor, err := l.List(ctx, "org_a", "slack", 3, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page1) != 3 || page1[0].DeliveryID != "dlv_4" || page1[2].DeliveryID != "dlv_2" || cursor == "" {
		t.Fatalf("page 1 = %+v, cursor %q", page1, cursor)
	}
	if page1[0].Status != 200 || page1[0].Outcome != Delivered || !page1[0].Time.Equal(start.Add(4*time.Second)) {
		t.Errorf("entry round trip: %+v", page1[0])
	}
	page2, cursor2, err := l.List(ctx, "org_a", "slack", 3, cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(page2) != 2 || page2[0].DeliveryID != "dlv_1" || page2[1].DeliveryID != "dlv_0" || cursor2 != "" {
		t.Errorf("page 2 = %+v, cursor %q", page2, cursor2)
	}
	if _, _, err := l.List(ctx, "org_a", "slack", 3, "!!!"); !errors.Is(err, ErrBadCursor) {
		t.Errorf("bad cursor = %v", err)
	}
}

func TestRecordsAndHealth(t *testing.T) {
	db := dynamodb.NewFromConfig(awstest.Config(t))
	l := &Log{DB: db, Table: awstest.Table(t, db)}
	ctx := context.Background()
	ev := event.Event{Type: event.LoginFailure, ID: "evt_1", Org: "org_a", Reason: "MFA challenge failed"}
	for want := 1; want <= 3; want++ {
		n, err := l.Begin(ctx, "org_a", "hook", "dlv_1", ev)
		if err != nil || n != want {
			t.Fatalf("Begin #%d = %d, %v", want, n, err)
		}
	}
	got, err := l.Event(ctx, "org_a", "hook", "dlv_1")
	if err != nil || got.Reason != "MFA challenge failed" || got.ID != "evt_1" {
		t.Errorf("Event = %+v, %v", got, err)
	}
	if _, err := l.Event(ctx, "org_b", "hook", "dlv_1"); !errors.Is(err, ErrUnknown) {
		t.Errorf("another org's delivery = %v, want ErrUnknown", err)
	}
	// The record is not a log entry.
	if entries, _, _ := l.List(ctx, "org_a", "hook", 10, ""); len(entries) != 0 {
		t.Errorf("List shows %d entries, want none", len(entries))
	}

	for want := 1; want <= 3; want++ {
		if n, err := l.FinalFailure(ctx, "org_a", "hook"); err != nil || n != want {
			t.Fatalf("FinalFailure #%d = %d, %v", want, n, err)
		}
	}
	if err := l.Healthy(ctx, "org_a", "hook"); err != nil {
		t.Fatal(err)
	}
	if n, _ := l.FinalFailure(ctx, "org_a", "hook"); n != 1 {
		t.Errorf("after a success the run is %d, want 1", n)
	}
}
