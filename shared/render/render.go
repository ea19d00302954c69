// Package render turns an event into the bodies Herald sends: a JSON body for each webhook
// format and an email. Every format reads the same summary of the event (title, one-line
// headline, facts, reason, changes), so what a message says is decided once, here, and each
// format only decides how it looks and which limits it must respect.
package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

// Message is one delivery of an event to one rule.
type Message struct {
	DeliveryID string // stable id of this delivery (also the webhook-id header)
	Org        string // organization id
	Rule       string // notification rule name
	Event      event.Event
	SentAt     time.Time // the timestamp put in the body
}

// Webhook returns the JSON body for format f. The caller resolves FormatAuto first (with
// Format.Resolve); an empty format is generic.
func Webhook(f notification.Format, m Message) ([]byte, error) {
	switch f {
	case notification.FormatGeneric, "":
		return marshal(generic(m))
	case notification.FormatSlack:
		return marshal(slack(summarize(m)))
	case notification.FormatTeams:
		return marshal(teams(summarize(m)))
	case notification.FormatDiscord:
		return marshal(discord(summarize(m)))
	case notification.FormatGoogleChat:
		return marshal(googleChat(summarize(m)))
	}
	return nil, fmt.Errorf("render: unknown webhook format %q", f)
}

// marshal encodes v without HTML escaping: the bodies go to APIs, not into pages, and
// "→" or "<" read better than \u escapes in logs and golden files.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// HumanTime is how times read in human-facing text.
const HumanTime = "2006-01-02 15:04:05 UTC"

// fact is one labelled value of an event, as every format lists it.
type fact struct {
	Label, Value string
}

// kind is what an event means to the reader; it picks colours.
type kind int

const (
	kindSuccess kind = iota
	kindFailure
	kindAudit
)

// color is the kind's accent as 0xRRGGBB: green, red, blue.
func (k kind) color() int {
	switch k {
	case kindFailure:
		return 0xD1242F
	case kindAudit:
		return 0x0969DA
	}
	return 0x1A7F37
}

// summary is what a message says, whatever its format.
type summary struct {
	Kind     kind
	Title    string // "Failed login", "[TEST] Audit event"
	Headline string // one line to triage from: "Failed login: alice@acme.test → prod-db"
	Facts    []fact // only the non-empty ones, in reading order
	Reason   string
	Changes  []fact // field and "from → to"
	Footer   string // "Herald · rule r · org o"
	Test     bool

	// For the email footer and the card id.
	Rule, Org, Type, DeliveryID string
	OccurredAt                  time.Time
}

// maxChanges caps the changes listed; an audit event that changes more is summarised.
const maxChanges = 20

func summarize(m Message) summary {
	e := &m.Event
	s := summary{
		Kind:       kindOf(e.Type),
		Title:      title(e.Type),
		Headline:   headline(e),
		Facts:      facts(e),
		Reason:     strings.TrimSpace(e.Reason),
		Changes:    changes(e),
		Footer:     footer(m.Rule, m.Org),
		Test:       e.Test,
		Rule:       m.Rule,
		Org:        m.Org,
		Type:       string(e.Type),
		DeliveryID: m.DeliveryID,
		OccurredAt: e.OccurredAt,
	}
	if s.Test {
		s.Title = "[TEST] " + s.Title
		s.Headline = "[TEST] " + s.Headline
	}
	return s
}

// title is t's title; an event of no type (a producer's bug) still gets one.
func title(t event.Type) string {
	if s := t.Title(); s != "" {
		return s
	}
	return "Event"
}

func kindOf(t event.Type) kind {
	switch t {
	case event.LoginFailure:
		return kindFailure
	case event.Audit:
		return kindAudit
	}
	return kindSuccess
}

// headline names the event in one line: who did what to which resource.
func headline(e *event.Event) string {
	if e.Type == event.Audit {
		parts := nonEmpty(oneLine(e.Actor.Label()), oneLine(e.Action), oneLine(targetName(e.Target)))
		if len(parts) == 0 {
			return title(e.Type)
		}
		return "Audit: " + strings.Join(parts, " ")
	}
	who := oneLine(e.User.Label())
	var socket string
	if e.Socket != nil {
		socket = oneLine(e.Socket.Name)
	}
	switch {
	case who == "" && socket == "":
		return title(e.Type)
	case who == "":
		who = "unknown user"
	}
	if socket == "" {
		return title(e.Type) + ": " + who
	}
	return title(e.Type) + ": " + who + " → " + socket
}

// facts lists an event's non-empty facts. One order serves both kinds of event: a login has
// no actor, action or target, and an audit event usually has no user or socket.
func facts(e *event.Event) []fact {
	var c event.Client
	if e.Client != nil {
		c = *e.Client
	}
	var when string
	if !e.OccurredAt.IsZero() {
		when = e.OccurredAt.UTC().Format(HumanTime)
	}
	all := [...]fact{
		{"User", person(e.User)},
		{"Actor", person(e.Actor)},
		{"Action", e.Action},
		{"Socket", socket(e.Socket)},
		{"Target", target(e.Target)},
		{"Client IP", c.IP},
		{"Location", c.Location},
		{"User agent", c.UserAgent},
		{"Time", when},
	}
	out := make([]fact, 0, len(all))
	for _, f := range all {
		if f.Value = strings.TrimSpace(f.Value); f.Value != "" {
			out = append(out, f)
		}
	}
	return out
}

// changes lists an audit event's changes as field and "from → to" (or the new value alone).
func changes(e *event.Event) []fact {
	cl := e.ChangeList()
	if len(cl) == 0 {
		return nil
	}
	n := min(len(cl), maxChanges)
	out := make([]fact, 0, n+1)
	for _, c := range cl[:n] {
		v := c.To
		if c.From != "" {
			v = c.From + " → " + c.To
		}
		out = append(out, fact{c.Field, v})
	}
	if more := len(cl) - n; more > 0 {
		out = append(out, fact{"…", fmt.Sprintf("and %d more", more)})
	}
	return out
}

func footer(rule, org string) string {
	parts := []string{"Herald"}
	if rule != "" {
		parts = append(parts, "rule "+rule)
	}
	if org != "" {
		parts = append(parts, "org "+org)
	}
	return strings.Join(parts, " · ")
}

// person names p fully: "Alice <alice@acme.test>" when both are known, else its label.
func person(p *event.Person) string {
	if p != nil && p.Name != "" && p.Email != "" && p.Name != p.Email {
		return p.Name + " <" + p.Email + ">"
	}
	return p.Label()
}

func socket(s *event.Socket) string {
	switch {
	case s == nil || s.Name == "":
		return ""
	case s.Type == "":
		return s.Name
	}
	return s.Name + " (" + s.Type + ")"
}

// target reads "socket prod-db": the type, then the name or id.
func target(t *event.Target) string {
	if t == nil {
		return ""
	}
	return strings.Join(nonEmpty(t.Type, targetName(t)), " ")
}

func targetName(t *event.Target) string {
	switch {
	case t == nil:
		return ""
	case t.Name != "":
		return t.Name
	}
	return t.ID
}

func nonEmpty(s ...string) []string {
	out := s[:0]
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// oneLine turns control characters (newlines above all) into spaces: headlines become
// subjects and notification previews, where a newline could forge a header or a line.
func oneLine(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

// truncate cuts s to at most max characters, ending it with "…" when cut. The chat APIs
// count characters, not bytes.
func truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if len(s) <= max || utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// cutEscaped replaces each rune of s for which esc returns something, and cuts the result to
// max characters, ending it with "…", without splitting a replacement.
func cutEscaped(s string, max int, esc func(rune) string) string {
	if strings.IndexFunc(s, func(r rune) bool { return esc(r) != "" }) < 0 {
		return truncate(s, max)
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	n, cut := 0, 0 // characters written; bytes that fit in max-1 characters
	for _, r := range s {
		if e := esc(r); e != "" {
			b.WriteString(e)
			n += runes(e)
		} else {
			b.WriteRune(r)
			n++
		}
		if n <= max-1 {
			cut = b.Len()
		}
	}
	if n <= max {
		return b.String()
	}
	if max <= 0 {
		return ""
	}
	return b.String()[:cut] + "…"
}

// runes counts the characters of s.
func runes(s string) int { return utf8.RuneCountInString(s) }
