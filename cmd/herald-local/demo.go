package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/spf13/cobra"
	svix "github.com/svix/svix-webhooks/go"

	"github.com/heraldhq/herald/shared/apiclient"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/motoserver"
	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/producer"
	"github.com/heraldhq/herald/shared/render"
	"github.com/heraldhq/herald/shared/topology"
)

func newDemoCmd(stdout, stderr io.Writer, dir *string) *cobra.Command {
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Deliver one event of each type by webhook and email, end to end, then stop",
		Long: `demo starts the local stack on free ports, creates a webhook rule for a local receiver
that checks every signature and an email rule, publishes one event of each type to the bus,
waits for every delivery and prints what arrived. It stops everything it started and exits
non-zero, naming what is missing, if a delivery has not arrived in time.`,
		Example:       "  make demo\n  herald-local demo --wait 2m",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := runDemo(cmd.Context(), stdout, demoOptions{Dir: *dir, Wait: wait})
			if err != nil {
				fmt.Fprintln(stderr, "demo failed:", err)
			}
			return err
		},
	}
	cmd.Flags().DurationVar(&wait, "wait", 60*time.Second, "how long to wait for the deliveries")
	return cmd
}

type demoOptions struct {
	Dir  string
	Wait time.Duration
}

// demoEvents are the events the demo publishes, one of each type.
func demoEvents(org string) []event.Event {
	now := time.Now().UTC()
	alice := &event.Person{ID: "u_123", Email: "alice@demo.test", Name: "Alice"}
	db := &event.Socket{Name: "prod-db", Type: "database"}
	client := &event.Client{IP: "203.0.113.7", UserAgent: "border0-cli/1.2", Location: "Lisbon, PT"}
	return []event.Event{
		{Type: event.LoginSuccess, ID: producer.NewEventID(), Org: org, OccurredAt: now, User: alice, Socket: db, Client: client},
		{Type: event.LoginFailure, ID: producer.NewEventID(), Org: org, OccurredAt: now, User: alice, Socket: db, Client: client,
			Reason: "MFA challenge failed"},
		{Type: event.Audit, ID: producer.NewEventID(), Org: org, OccurredAt: now, Actor: alice, Action: "socket.update",
			Target: &event.Target{Type: "socket", ID: "sck_42", Name: "prod-db"}, Changes: json.RawMessage(`{"enabled":{"from":true,"to":false}}`)},
	}
}

// runDemo is make demo: the whole path, from an event on the bus to a verified webhook and an
// email in the emulator's outbox.
func runDemo(ctx context.Context, out io.Writer, o demoOptions) error {
	logFile, err := openLog(o.Dir)
	if err != nil {
		return err
	}
	defer logFile.Close()
	const org = "org_demo"
	fmt.Fprintln(out, "Herald demo: starting the local stack...")
	s, err := startStack(ctx, stackOptions{
		Addr: "127.0.0.1:0", Dir: o.Dir, Org: org,
		Names: topology.DefaultNames().WithSuffix("-demo-" + randomHex(3)),
		Log:   slogLogger(logFile, io.Discard), Stderr: io.Discard,
	})
	if err != nil {
		return err
	}
	defer s.Stop()

	rc, err := startReceiver()
	if err != nil {
		return err
	}
	defer rc.Close()
	fmt.Fprintf(out, "  API %s, AWS emulator %s, webhook receiver %s\n", s.APIURL, s.AWSURL, rc.URL)

	api := apiclient.New(s.APIURL, s.AdminToken)
	hookURL := rc.URL + "/hooks/herald"
	all := slices.Clone(event.Types)
	created, err := api.Create(ctx, notification.Create{Name: "demo-webhook", Type: notification.Webhook, WebhookURL: &hookURL, Events: all})
	if err != nil {
		return fmt.Errorf("create the webhook rule: %w", err)
	}
	rc.secret.Store(created.Secret)
	inbox := []string{"secops-" + randomHex(3) + "@demo.test", "oncall-" + randomHex(3) + "@demo.test"}
	if _, err := api.Create(ctx, notification.Create{Name: "demo-email", Type: notification.Email, EmailRecipients: inbox, Events: all}); err != nil {
		return fmt.Errorf("create the email rule: %w", err)
	}
	fmt.Fprintf(out, "  created rules demo-webhook (→ %s) and demo-email (→ %s)\n", hookURL, strings.Join(inbox, ", "))

	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	pub := &producer.Publisher{EB: eventbridge.NewFromConfig(cfg), Bus: s.Local.Resources.Names.Bus, Source: "herald.demo"}
	evs := demoEvents(org)
	for _, ev := range evs {
		if err := pub.Publish(ctx, ev); err != nil {
			return fmt.Errorf("publish %s: %w", ev.Type, err)
		}
		fmt.Fprintf(out, "  published %-14s %s (%s)\n", ev.Type, ev.ID, ev.Type.DetailType())
	}

	// Wait for each event's webhook and email, saying how it goes. Herald's own audit events
	// (the two rules were just created, and both subscribe to audit-events) arrive too.
	deadline := time.Now().Add(o.Wait)
	last := ""
	var got arrivals
	for {
		if got, err = collect(ctx, s.AWSURL, inbox[0], rc, evs); err != nil {
			return err
		}
		status := fmt.Sprintf("  waiting for deliveries: webhooks %d/%d, emails %d/%d", got.hooks(), len(evs), got.mails(), len(evs))
		if status != last {
			fmt.Fprintln(out, status)
			last = status
		}
		if got.hooks() == len(evs) && got.mails() == len(evs) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v, missing: %s", o.Wait, strings.Join(got.missing(evs), "; "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}

	fmt.Fprintln(out, "\nWebhooks received (POST "+hookURL+"):")
	ok := true
	for _, ev := range evs {
		h := got.hook[ev.ID]
		verdict := "signature ok"
		if h.verifyErr != nil {
			verdict, ok = "SIGNATURE INVALID: "+h.verifyErr.Error(), false
		}
		fmt.Fprintf(out, "\n  webhook-id %s — %s\n", h.id, verdict)
		var pretty bytes.Buffer
		json.Indent(&pretty, h.body, "    ", "  ")
		fmt.Fprintf(out, "    %s\n", pretty.String())
	}
	fmt.Fprintln(out, "\nEmails sent (from the emulator's SES outbox):")
	for _, ev := range evs {
		m := got.mail[ev.ID]
		fmt.Fprintf(out, "  %-48s to %s\n", m.Subject, strings.Join(m.To(), ", "))
	}
	if n := got.others; n > 0 {
		fmt.Fprintf(out, "\n(%d more deliveries carried Herald's own audit events: creating a rule is audited too.)\n", n)
	}
	if !ok {
		return fmt.Errorf("a webhook arrived with a signature that does not verify")
	}
	fmt.Fprintf(out, "\nAll %d events were delivered by webhook and by email. Logs: %s\n", len(evs), filepath.Join(o.Dir, "herald.log"))
	return nil
}

// arrivals are the demo events' deliveries found so far, by event id.
type arrivals struct {
	hook   map[string]receivedHook
	mail   map[string]motoserver.SentEmail
	others int // deliveries of other events (Herald's audit events)
}

func (a arrivals) hooks() int { return len(a.hook) }
func (a arrivals) mails() int { return len(a.mail) }

func (a arrivals) missing(evs []event.Event) []string {
	var gone []string
	for _, ev := range evs {
		if _, ok := a.hook[ev.ID]; !ok {
			gone = append(gone, fmt.Sprintf("webhook for %s %s", ev.Type, ev.ID))
		}
		if _, ok := a.mail[ev.ID]; !ok {
			gone = append(gone, fmt.Sprintf("email for %s %s", ev.Type, ev.ID))
		}
	}
	return gone
}

// collect matches what the receiver and the emulator's outbox hold to the demo's events: a
// webhook by the event id in its body, an email by the subject Herald gives that event.
func collect(ctx context.Context, awsURL, recipient string, rc *receiver, evs []event.Event) (arrivals, error) {
	a := arrivals{hook: map[string]receivedHook{}, mail: map[string]motoserver.SentEmail{}}
	mails, err := motoserver.SentEmails(ctx, awsURL, recipient)
	if err != nil {
		return a, err
	}
	subjects := map[string]string{}
	for _, ev := range evs {
		e, err := render.RenderEmail(render.Message{Event: ev})
		if err != nil {
			return a, err
		}
		subjects[e.Subject] = ev.ID
	}
	for _, h := range rc.received() {
		var body struct {
			Data struct {
				ID string `json:"event_id"`
			} `json:"data"`
		}
		json.Unmarshal(h.body, &body)
		if slices.ContainsFunc(evs, func(ev event.Event) bool { return ev.ID == body.Data.ID }) {
			a.hook[body.Data.ID] = h
		} else {
			a.others++
		}
	}
	for _, m := range mails {
		if id, ok := subjects[m.Subject]; ok {
			a.mail[id] = m
		} else {
			a.others++
		}
	}
	return a, nil
}

// receiver is the demo's webhook endpoint: it checks every signature with an implementation
// Herald did not write (svix's).
type receiver struct {
	URL    string
	srv    *http.Server
	secret atomicString
	mu     sync.Mutex
	got    []receivedHook
}

type receivedHook struct {
	id        string
	body      []byte
	verifyErr error
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &receiver{URL: "http://" + ln.Addr().String()}
	rc.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		h := receivedHook{id: r.Header.Get("webhook-id"), body: body}
		wh, err := svix.NewWebhook(rc.secret.Load())
		if err == nil {
			err = wh.Verify(body, r.Header)
		}
		h.verifyErr = err
		rc.mu.Lock()
		rc.got = append(rc.got, h)
		rc.mu.Unlock()
		if err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go rc.srv.Serve(ln)
	return rc, nil
}

func (rc *receiver) received() []receivedHook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

func (rc *receiver) Close() { rc.srv.Close() }

type atomicString struct {
	mu sync.Mutex
	s  string
}

func (a *atomicString) Store(s string) { a.mu.Lock(); a.s = s; a.mu.Unlock() }
func (a *atomicString) Load() string   { a.mu.Lock(); defer a.mu.Unlock(); return a.s }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
