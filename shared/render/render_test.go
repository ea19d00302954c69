package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var sentAt = time.Date(2026, 12, 3, 10, 15, 4, 0, time.UTC)

var formats = []notification.Format{
	notification.FormatGeneric,
	notification.FormatSlack,
	notification.FormatTeams,
	notification.FormatDiscord,
	notification.FormatGoogleChat,
}

// sample is the event DESIGN.md describes, of type t.
func sample(t event.Type) event.Event {
	alice := &event.Person{ID: "u_123", Email: "alice@acme.test", Name: "Alice"}
	e := event.Event{
		Type:       t,
		ID:         "evt_01JEXAMPLE",
		Org:        "org_acme",
		OccurredAt: time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC),
	}
	switch t {
	case event.Audit:
		e.Actor = alice
		e.Action = "socket.create"
		e.Target = &event.Target{Type: "socket", ID: "sock_42", Name: "prod-db"}
		e.Changes = json.RawMessage(`{"enabled":{"from":true,"to":false}}`)
	default:
		e.User = alice
		e.Socket = &event.Socket{Name: "prod-db", Type: "database"}
		e.Client = &event.Client{IP: "203.0.113.7", UserAgent: "border0-cli/1.2", Location: "Lisbon, PT"}
		if t == event.LoginFailure {
			e.Reason = "MFA challenge failed"
		}
	}
	return e
}

func message(e event.Event, rule string) Message {
	return Message{DeliveryID: "dlv_7f3a9c2e", Org: "org_acme", Rule: rule, Event: e, SentAt: sentAt}
}

func TestWebhookGolden(t *testing.T) {
	for _, f := range formats {
		for _, typ := range event.Types {
			t.Run(string(f)+"/"+string(typ), func(t *testing.T) {
				body, err := Webhook(f, message(sample(typ), "slack-webhook"))
				if err != nil {
					t.Fatal(err)
				}
				if !json.Valid(body) {
					t.Fatalf("invalid JSON: %s", body)
				}
				var ind bytes.Buffer
				if err := json.Indent(&ind, body, "", "  "); err != nil {
					t.Fatal(err)
				}
				ind.WriteByte('\n')
				golden(t, filepath.Join(string(f), string(typ)+".json"), ind.Bytes())
			})
		}
	}
}

func TestEmailGolden(t *testing.T) {
	for _, typ := range event.Types {
		t.Run(string(typ), func(t *testing.T) {
			em, err := RenderEmail(message(sample(typ), "security-email"))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("email", string(typ)+".subject.txt"), []byte(em.Subject+"\n"))
			golden(t, filepath.Join("email", string(typ)+".txt"), []byte(em.Text))
			golden(t, filepath.Join("email", string(typ)+".html"), []byte(em.HTML))
		})
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestWebhookFormats(t *testing.T) {
	m := message(sample(event.LoginFailure), "r")
	empty, err := Webhook("", m)
	if err != nil {
		t.Fatal(err)
	}
	generic, _ := Webhook(notification.FormatGeneric, m)
	if !bytes.Equal(empty, generic) {
		t.Errorf("empty format = %s, want the generic body %s", empty, generic)
	}
	for _, f := range []notification.Format{notification.FormatAuto, "xml"} {
		if _, err := Webhook(f, m); err == nil {
			t.Errorf("Webhook(%q) succeeded, want an error", f)
		}
	}
}

func TestGenericShape(t *testing.T) {
	body, err := Webhook(notification.FormatGeneric, message(sample(event.LoginFailure), "slack-webhook"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Type, ID, Timestamp, Organization, Notification string
		Data                                            event.Event
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "login-failure" || got.ID != "dlv_7f3a9c2e" || got.Timestamp != "2026-12-03T10:15:04Z" ||
		got.Organization != "org_acme" || got.Notification != "slack-webhook" || got.Data.Reason != "MFA challenge failed" {
		t.Errorf("generic body = %+v", got)
	}
}

func TestHeadline(t *testing.T) {
	tests := []struct {
		name string
		e    event.Event
		want string
	}{
		{"failure", sample(event.LoginFailure), "Failed login: alice@acme.test → prod-db"},
		{"success", sample(event.LoginSuccess), "Successful login: alice@acme.test → prod-db"},
		{"audit", sample(event.Audit), "Audit: alice@acme.test socket.create prod-db"},
		{"no user", event.Event{Type: event.LoginFailure, Socket: &event.Socket{Name: "db"}}, "Failed login: unknown user → db"},
		{"no socket", event.Event{Type: event.LoginSuccess, User: &event.Person{Name: "Bob"}}, "Successful login: Bob"},
		{"nothing", event.Event{Type: event.LoginFailure}, "Failed login"},
		{"audit nothing", event.Event{Type: event.Audit}, "Audit event"},
		{"no type", event.Event{}, "Event"},
		{"audit target id", event.Event{Type: event.Audit, Action: "socket.delete", Target: &event.Target{ID: "sock_1"}}, "Audit: socket.delete sock_1"},
		{"newlines", event.Event{Type: event.LoginFailure, User: &event.Person{Email: "a@b.test\r\nBcc: x@evil.test"}}, "Failed login: a@b.test  Bcc: x@evil.test"},
		{"test", func() event.Event { e := sample(event.LoginFailure); e.Test = true; return e }(), "[TEST] Failed login: alice@acme.test → prod-db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			em, err := RenderEmail(message(tt.e, "r"))
			if err != nil {
				t.Fatal(err)
			}
			if em.Subject != tt.want {
				t.Errorf("subject = %q, want %q", em.Subject, tt.want)
			}
		})
	}
}

func TestOmitsEmptyFacts(t *testing.T) {
	e := event.Event{Type: event.LoginSuccess, Org: "org_acme", User: &event.Person{Email: "bob@acme.test"},
		Client: &event.Client{IP: "  "}}
	m := message(e, "r")
	em, err := RenderEmail(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"Socket", "Client IP", "Location", "Time", "Reason", "Changes"} {
		if strings.Contains(em.Text, label) || strings.Contains(em.HTML, ">"+label+"<") {
			t.Errorf("email shows empty fact %q:\n%s", label, em.Text)
		}
	}
	for _, f := range formats[1:] {
		body, err := Webhook(f, m)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(body, []byte("Client IP")) || bytes.Contains(body, []byte(`""`)) {
			t.Errorf("%s shows an empty fact: %s", f, body)
		}
	}
}

func TestTestMarker(t *testing.T) {
	e := sample(event.LoginSuccess)
	e.Test = true
	m := message(e, "r")
	for _, f := range formats[1:] {
		body, err := Webhook(f, m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(body, []byte("[TEST]")) {
			t.Errorf("%s body has no [TEST] marker: %s", f, body)
		}
	}
	body, _ := Webhook(notification.FormatGeneric, m)
	if !bytes.Contains(body, []byte(`"test":true`)) {
		t.Errorf("generic body does not mark the test: %s", body)
	}
	em, err := RenderEmail(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(em.Subject, "[TEST] ") || !strings.Contains(em.Text, "[TEST]") || !strings.Contains(em.HTML, "[TEST]") {
		t.Errorf("email has no [TEST] marker: %q\n%s", em.Subject, em.Text)
	}
}

func TestEscaping(t *testing.T) {
	e := sample(event.LoginFailure)
	e.User = &event.Person{Name: "<script>alert(1)</script>", Email: "x&y@acme.test"}
	e.Reason = "token <!channel> & more"
	m := message(e, "r")

	em, err := RenderEmail(m)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(em.HTML, "<script>") || !strings.Contains(em.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("email HTML does not escape the user name:\n%s", em.HTML)
	}

	var sb slackBody
	decode(t, notification.FormatSlack, m, &sb)
	var texts []string
	for _, b := range sb.Blocks {
		if b.Text != nil && b.Type != "header" {
			texts = append(texts, b.Text.Text)
		}
		for _, f := range append(b.Fields, b.Elements...) {
			texts = append(texts, f.Text)
		}
	}
	all := strings.Join(append(texts, sb.Text), "\n")
	if strings.ContainsAny(all, "<>") {
		t.Errorf("Slack mrkdwn has unescaped < or >:\n%s", all)
	}
	for _, want := range []string{"&lt;script&gt;", "x&amp;y@acme.test", "&lt;!channel&gt; &amp; more"} {
		if !strings.Contains(all, want) {
			t.Errorf("Slack mrkdwn lacks %q:\n%s", want, all)
		}
	}

	var db discordBody
	e.User = &event.Person{Name: "[reset MFA](https://evil.test) @everyone"}
	decode(t, notification.FormatDiscord, message(e, "r"), &db)
	if v := db.Embeds[0].Fields[0].Value; v != `\[reset MFA\](https://evil.test) @everyone` {
		t.Errorf("Discord user = %q, want the link escaped", v)
	}
	if db.AllowedMentions.Parse == nil || len(db.AllowedMentions.Parse) != 0 {
		t.Errorf("Discord allowed_mentions = %+v, want no parsed mentions", db.AllowedMentions)
	}

	var tb teamsBody
	decode(t, notification.FormatTeams, message(e, "r"), &tb)
	card := tb.Attachments[0].Content
	if v := card.Body[1].Facts[0].Value; v != `\[reset MFA\](https://evil.test) @everyone` {
		t.Errorf("Teams user = %q, want the link escaped", v)
	}

	var cb chatBody
	e.User = &event.Person{Email: "<users/all>"}
	decode(t, notification.FormatGoogleChat, message(e, "r"), &cb)
	if strings.ContainsAny(cb.Text, "<>") {
		t.Errorf("Google Chat text %q can mention or link", cb.Text)
	}
	decode(t, notification.FormatGoogleChat, m, &cb)
	for _, sec := range cb.CardsV2[0].Card.Sections {
		for _, w := range sec.Widgets {
			if w.DecoratedText != nil && strings.ContainsAny(w.DecoratedText.Text, "<>") {
				t.Errorf("Google Chat text unescaped: %q", w.DecoratedText.Text)
			}
		}
	}
}

func TestLimits(t *testing.T) {
	long := func(s string, n int) string { return strings.Repeat(s, n) }
	tests := []struct {
		name string
		edit func(*event.Event)
	}{
		{"long reason", func(e *event.Event) { e.Reason = long("x", 5000) }},
		{"long escaped reason", func(e *event.Event) { e.Reason = long("&", 5000) }},
		{"long multibyte reason", func(e *event.Event) { e.Reason = long("é", 5000) }},
		{"long everything", func(e *event.Event) {
			e.Reason = long("r", 5000)
			e.User = &event.Person{Name: long("n", 3000), Email: long("<", 3000)}
			e.Socket = &event.Socket{Name: long("s", 3000), Type: "database"}
			e.Client = &event.Client{IP: long("1", 3000), Location: long("l", 3000), UserAgent: long("u", 3000)}
		}},
		{"many changes", func(e *event.Event) {
			*e = sample(event.Audit)
			var b strings.Builder
			b.WriteString("{")
			for i := range 100 {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(`"field_` + long("f", 50) + string(rune('a'+i%26)) + long("z", i) + `":{"from":"` + long("a", 200) + `","to":"b"}`)
			}
			b.WriteString("}")
			e.Changes = json.RawMessage(b.String())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sample(event.LoginFailure)
			tt.edit(&e)
			m := message(e, "slack-webhook")
			checkSlack(t, m)
			checkDiscord(t, m)
			em, err := RenderEmail(m)
			if err != nil {
				t.Fatal(err)
			}
			if runes(em.Subject) > subjectMax || strings.ContainsAny(em.Subject, "\r\n") {
				t.Errorf("subject too long or multi-line: %d characters", runes(em.Subject))
			}
			for _, f := range formats {
				body, err := Webhook(f, m)
				if err != nil || !json.Valid(body) {
					t.Errorf("%s: invalid body (err %v)", f, err)
				}
			}
		})
	}
}

func checkSlack(t *testing.T, m Message) {
	t.Helper()
	var b slackBody
	decode(t, notification.FormatSlack, m, &b)
	if len(b.Blocks) > slackBlocksMax {
		t.Errorf("slack: %d blocks", len(b.Blocks))
	}
	for _, bl := range b.Blocks {
		if len(bl.Fields) > slackFieldsMax {
			t.Errorf("slack: %d fields", len(bl.Fields))
		}
		for _, f := range bl.Fields {
			limit(t, "slack field", f.Text, slackFieldMax)
			wholeEntities(t, "slack field", f.Text)
		}
		for _, el := range bl.Elements {
			limit(t, "slack context", el.Text, slackSectionMax)
		}
		if bl.Text == nil {
			continue
		}
		if bl.Type == "header" {
			limit(t, "slack header", bl.Text.Text, slackHeaderMax)
		} else {
			limit(t, "slack section", bl.Text.Text, slackSectionMax)
			wholeEntities(t, "slack section", bl.Text.Text)
		}
	}
	if m.Event.Reason != "" && runes(m.Event.Reason) > slackSectionMax {
		if !strings.Contains(string(mustWebhook(t, notification.FormatSlack, m)), "…") {
			t.Error("slack: long reason not marked as cut")
		}
	}
}

func checkDiscord(t *testing.T, m Message) {
	t.Helper()
	var b discordBody
	decode(t, notification.FormatDiscord, m, &b)
	limit(t, "discord content", b.Content, discordContentMax)
	e := b.Embeds[0]
	limit(t, "discord title", e.Title, discordTitleMax)
	limit(t, "discord description", e.Description, discordDescMax)
	limit(t, "discord footer", e.Footer.Text, discordFooterMax)
	if len(e.Fields) > discordFieldsMax {
		t.Errorf("discord: %d fields", len(e.Fields))
	}
	total := runes(e.Title) + runes(e.Description) + runes(e.Footer.Text)
	for _, f := range e.Fields {
		limit(t, "discord field name", f.Name, discordNameMax)
		limit(t, "discord field value", f.Value, discordValueMax)
		if f.Value == "" {
			t.Errorf("discord: field %q is empty", f.Name)
		}
		total += runes(f.Name) + runes(f.Value)
	}
	if total > discordEmbedMax {
		t.Errorf("discord: embed has %d characters, limit %d", total, discordEmbedMax)
	}
}

func limit(t *testing.T, what, s string, most int) {
	t.Helper()
	if n := runes(s); n > most {
		t.Errorf("%s has %d characters, limit %d", what, n, most)
	}
}

// wholeEntities checks that a cut did not split an entity Slack would then show half of.
func wholeEntities(t *testing.T, what, s string) {
	t.Helper()
	if i := strings.LastIndex(s, "&"); i >= 0 && strings.HasSuffix(s, "…") && !strings.Contains(s[i:], ";") {
		t.Errorf("%s ends in a split entity: %q", what, s[max(0, len(s)-12):])
	}
}

func mustWebhook(t *testing.T, f notification.Format, m Message) []byte {
	t.Helper()
	body, err := Webhook(f, m)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func decode(t *testing.T, f notification.Format, m Message, v any) {
	t.Helper()
	if err := json.Unmarshal(mustWebhook(t, f, m), v); err != nil {
		t.Fatal(err)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		max  int
		want string
	}{
		{"hello", 5, "hello"},
		{"hello!", 5, "hell…"},
		{"héllo wörld", 6, "héllo…"},
		{"abc", 1, "…"},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		if got := truncate(tt.s, tt.max); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.s, tt.max, got, tt.want)
		}
	}
	if got := slackEscape("a&b", 5); got != "a…" {
		t.Errorf("slackEscape cut = %q, want %q", got, "a…")
	}
}

func BenchmarkWebhook(b *testing.B) {
	m := message(sample(event.LoginFailure), "slack-webhook")
	for _, f := range formats {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Webhook(f, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEmail(b *testing.B) {
	m := message(sample(event.LoginFailure), "security-email")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderEmail(m); err != nil {
			b.Fatal(err)
		}
	}
}
