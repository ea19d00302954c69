package notification

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/heraldhq/herald/shared/event"
)

// FieldError is a validation failure of one field; Message is written for the person who sent it.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Message }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// Policy holds what a deployment allows beyond the defaults.
type Policy struct {
	// AllowHTTP accepts plain http webhook URLs (the local stack); https only otherwise.
	AllowHTTP bool
}

// Create is a request to create a rule. Pointers tell "absent" from "zero".
type Create struct {
	Name            string       `json:"name"`
	Type            Type         `json:"type"`
	Enabled         *bool        `json:"enabled"`
	Events          []event.Type `json:"events"`
	WebhookURL      *string      `json:"webhook_url"`
	Format          *Format      `json:"format"`
	EmailRecipients []string     `json:"email_recipients"`
}

// Patch is a partial update: only the fields present change. Name and type may be sent but
// must match the rule: a rule is never renamed and its type is fixed at creation.
type Patch struct {
	Name            *string       `json:"name"`
	Type            *Type         `json:"type"`
	Enabled         *bool         `json:"enabled"`
	Events          *[]event.Type `json:"events"`
	WebhookURL      *string       `json:"webhook_url"`
	Format          *Format       `json:"format"`
	EmailRecipients *[]string     `json:"email_recipients"`
}

// New builds a valid rule of org from c, or says which field is wrong. The secret is left for
// the caller to set.
func (p Policy) New(org string, c Create, actor string, now time.Time) (Rule, error) {
	r := Rule{
		Org:       org,
		Name:      c.Name,
		Type:      c.Type,
		Enabled:   true,
		Events:    c.Events,
		CreatedAt: now,
		CreatedBy: actor,
		UpdatedAt: now,
		UpdatedBy: actor,
		Version:   1,
	}
	if c.Enabled != nil {
		r.Enabled = *c.Enabled
	}
	if err := validName(c.Name); err != nil {
		return Rule{}, err
	}
	if c.Type != Email && c.Type != Webhook {
		if c.Type == "" {
			return Rule{}, fieldErr("type", "is required: \"email\" or \"webhook\"")
		}
		return Rule{}, fieldErr("type", "must be \"email\" or \"webhook\", not %q", c.Type)
	}
	switch r.Type {
	case Email:
		if c.WebhookURL != nil && *c.WebhookURL != "" {
			return Rule{}, fieldErr("webhook_url", "is for webhook rules; an email rule takes email_recipients")
		}
		if c.Format != nil && *c.Format != "" {
			return Rule{}, fieldErr("format", "is for webhook rules; an email rule has no message format")
		}
		r.EmailRecipients = c.EmailRecipients
		if r.EmailRecipients == nil {
			return Rule{}, fieldErr("email_recipients", "an email rule needs 1 to %d recipients", MaxRecipients)
		}
	case Webhook:
		if len(c.EmailRecipients) > 0 {
			return Rule{}, fieldErr("email_recipients", "are for email rules; a webhook rule takes webhook_url")
		}
		if c.WebhookURL == nil || *c.WebhookURL == "" {
			return Rule{}, fieldErr("webhook_url", "is required for a webhook rule")
		}
		r.WebhookURL = *c.WebhookURL
		r.Format = FormatAuto
		if c.Format != nil && *c.Format != "" {
			r.Format = *c.Format
		}
	}
	if err := p.normalize(&r); err != nil {
		return Rule{}, err
	}
	return r, nil
}

// Apply returns r changed by patch, validated as a whole. r is not modified.
func (p Policy) Apply(r Rule, patch Patch, actor string, now time.Time) (Rule, error) {
	if patch.Name != nil && *patch.Name != r.Name {
		return Rule{}, fieldErr("name", "a rule can't be renamed; create a new rule and remove this one")
	}
	if patch.Type != nil && *patch.Type != r.Type {
		return Rule{}, fieldErr("type", "is fixed at creation: %q is a %s rule; create a new rule to use %q",
			r.Name, r.Type, *patch.Type)
	}
	out := r
	if patch.Enabled != nil {
		out.Enabled = *patch.Enabled
		// A person decided: whatever Herald disabled the rule for no longer applies.
		out.DisabledReason, out.DisabledAt = "", nil
	}
	if patch.Events != nil {
		out.Events = *patch.Events
	}
	switch r.Type {
	case Email:
		if patch.WebhookURL != nil {
			return Rule{}, fieldErr("webhook_url", "is for webhook rules; %q is an email rule", r.Name)
		}
		if patch.Format != nil {
			return Rule{}, fieldErr("format", "is for webhook rules; %q is an email rule", r.Name)
		}
		if patch.EmailRecipients != nil {
			out.EmailRecipients = *patch.EmailRecipients
			if out.EmailRecipients == nil {
				out.EmailRecipients = []string{}
			}
		}
	case Webhook:
		if patch.EmailRecipients != nil {
			return Rule{}, fieldErr("email_recipients", "are for email rules; %q is a webhook rule", r.Name)
		}
		if patch.WebhookURL != nil {
			out.WebhookURL = *patch.WebhookURL
		}
		if patch.Format != nil {
			out.Format = *patch.Format
		}
	}
	if err := p.normalize(&out); err != nil {
		return Rule{}, err
	}
	out.UpdatedAt = now
	out.UpdatedBy = actor
	return out, nil
}

var nameRE = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)

func validName(name string) error {
	if name == "" {
		return fieldErr("name", "is required (1 to %d lowercase letters, digits and dashes)", MaxNameLength)
	}
	if !nameRE.MatchString(name) {
		return fieldErr("name", "%q is not valid: use 1 to %d lowercase letters, digits and dashes", name, MaxNameLength)
	}
	return nil
}

// ValidName reports whether name can name a rule; a request for any other name can be refused
// without a lookup.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// normalize validates r's events and destination, cleaning them (trimmed, lower-cased domains
// kept as given) in place.
func (p Policy) normalize(r *Rule) error {
	if err := validEvents(r.Events); err != nil {
		return err
	}
	switch r.Type {
	case Email:
		recips, err := validRecipients(r.EmailRecipients)
		if err != nil {
			return err
		}
		r.EmailRecipients = recips
		r.WebhookURL, r.Format = "", ""
	case Webhook:
		u := strings.TrimSpace(r.WebhookURL)
		if err := p.validURL(u); err != nil {
			return err
		}
		r.WebhookURL = u
		if r.Format == "" {
			r.Format = FormatAuto
		}
		if !r.Format.Valid() {
			names := make([]string, len(Formats))
			for i, f := range Formats {
				names[i] = string(f)
			}
			return fieldErr("format", "unknown format %q; allowed formats are %s", r.Format, strings.Join(names, ", "))
		}
		r.EmailRecipients = nil
	}
	return nil
}

func validEvents(evs []event.Type) error {
	if len(evs) == 0 {
		return fieldErr("events", "at least one event is required; allowed events are %s", event.TypeNames())
	}
	seen := make(map[event.Type]bool, len(evs))
	for _, e := range evs {
		if !e.Valid() {
			return fieldErr("events", "unknown event %q; allowed events are %s", e, event.TypeNames())
		}
		if seen[e] {
			return fieldErr("events", "%q is listed more than once", e)
		}
		seen[e] = true
	}
	return nil
}

func validRecipients(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, fieldErr("email_recipients", "an email rule needs 1 to %d recipients", MaxRecipients)
	}
	if len(in) > MaxRecipients {
		return nil, fieldErr("email_recipients", "at most %d recipients are allowed per rule (got %d)", MaxRecipients, len(in))
	}
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, raw := range in {
		a := strings.TrimSpace(raw)
		if !validAddress(a) {
			return nil, fieldErr("email_recipients", "%q is not a valid email address", raw)
		}
		key := strings.ToLower(a)
		if seen[key] {
			return nil, fieldErr("email_recipients", "%q is listed more than once", a)
		}
		seen[key] = true
		out = append(out, a)
	}
	return out, nil
}

// validAddress accepts a bare address (no display name) whose domain has a dot.
func validAddress(a string) bool {
	if len(a) > 254 {
		return false
	}
	m, err := mail.ParseAddress(a)
	if err != nil || m.Address != a || m.Name != "" {
		return false
	}
	at := strings.LastIndexByte(a, '@')
	dom := a[at+1:]
	return at > 0 && strings.Contains(dom, ".") && !strings.HasPrefix(dom, ".") && !strings.HasSuffix(dom, ".")
}

func (p Policy) validURL(s string) error {
	if s == "" {
		return fieldErr("webhook_url", "is required for a webhook rule")
	}
	if len(s) > MaxURLLength {
		return fieldErr("webhook_url", "is %d characters long; at most %d are allowed", len(s), MaxURLLength)
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fieldErr("webhook_url", "must be an absolute URL such as https://hooks.example.com/herald")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.AllowHTTP:
	case u.Scheme == "http":
		return fieldErr("webhook_url", "must use https (plain http is not allowed by this deployment)")
	default:
		return fieldErr("webhook_url", "must use https, not %q", u.Scheme)
	}
	if u.User != nil {
		return fieldErr("webhook_url", "must not contain a user name or password; put credentials in the path or a query parameter")
	}
	if u.Hostname() == "" {
		return fieldErr("webhook_url", "has no host")
	}
	return nil
}
