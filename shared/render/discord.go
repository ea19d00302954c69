package render

import (
	"strings"
	"time"
)

// Discord's webhook limits, in characters.
const (
	discordContentMax = 2000
	discordTitleMax   = 256
	discordDescMax    = 4096
	discordNameMax    = 256
	discordValueMax   = 1024
	discordFieldsMax  = 25
	discordFooterMax  = 2048
	discordEmbedMax   = 6000 // title, description, field names and values, footer together
)

type discordBody struct {
	Username        string          `json:"username"`
	Content         string          `json:"content"`
	Embeds          []discordEmbed  `json:"embeds"`
	AllowedMentions discordMentions `json:"allowed_mentions"`
}

// discordMentions with an empty parse list stops user text like "@everyone" from pinging.
type discordMentions struct {
	Parse []string `json:"parse"`
}

type discordEmbed struct {
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Color       int            `json:"color"`
	Fields      []discordField `json:"fields,omitempty"`
	Timestamp   string         `json:"timestamp,omitempty"`
	Footer      discordFooter  `json:"footer"`
}

type discordField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
}

type discordFooter struct {
	Text string `json:"text"`
}

// discord builds an execute-webhook body: the headline as content and one embed with the
// facts as inline fields, the reason as description and the changes as a field.
func discord(s summary) discordBody {
	e := discordEmbed{
		Title:       truncate(s.Title, discordTitleMax),
		Description: discordEscape(s.Reason, discordDescMax),
		Color:       s.Kind.color(),
		Footer:      discordFooter{truncate(s.Footer, discordFooterMax)},
	}
	if !s.OccurredAt.IsZero() {
		e.Timestamp = s.OccurredAt.UTC().Format(time.RFC3339)
	}
	for _, f := range s.Facts {
		e.Fields = append(e.Fields, discordField{truncate(f.Label, discordNameMax), discordEscape(f.Value, discordValueMax), true})
	}
	if len(s.Changes) > 0 {
		lines := make([]string, len(s.Changes))
		for i, c := range s.Changes {
			lines[i] = c.Label + ": " + c.Value
		}
		e.Fields = append(e.Fields, discordField{"Changes", discordEscape(strings.Join(lines, "\n"), discordValueMax), false})
	}
	if len(e.Fields) > discordFieldsMax {
		e.Fields = e.Fields[:discordFieldsMax]
	}
	fitEmbed(&e)
	return discordBody{
		Username:        "Herald",
		Content:         discordEscape(s.Headline, discordContentMax),
		Embeds:          []discordEmbed{e},
		AllowedMentions: discordMentions{Parse: []string{}},
	}
}

// fitEmbed keeps the embed under Discord's total: it shortens the description first, then
// field values from the last one up.
func fitEmbed(e *discordEmbed) {
	over := runes(e.Title) + runes(e.Description) + runes(e.Footer.Text) - discordEmbedMax
	for _, f := range e.Fields {
		over += runes(f.Name) + runes(f.Value)
	}
	if over <= 0 {
		return
	}
	over = shrink(&e.Description, over)
	for i := len(e.Fields) - 1; i >= 0 && over > 0; i-- {
		over = shrink(&e.Fields[i].Value, over)
	}
}

// shrink cuts up to by characters off *s (keeping at least "…" of a non-empty value) and
// returns how many characters still have to go.
func shrink(s *string, by int) int {
	n := runes(*s)
	if n <= 1 {
		return by
	}
	keep := max(n-by, 1)
	*s = truncate(*s, keep)
	return by - (n - keep)
}

// discordEscape backslash-escapes Discord's markdown in user text, so a user name can't
// become a masked link ("[reset your MFA](https://…)"), a mention or a spoiler, and cuts the
// result to max characters.
func discordEscape(s string, max int) string {
	return cutEscaped(s, max, func(r rune) string {
		if strings.ContainsRune("\\*_~`|[]<#", r) {
			return "\\" + string(r)
		}
		return ""
	})
}
