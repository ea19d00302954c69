package render

import (
	"fmt"
	"html"
	"strings"
)

// Email is a rendered email: subject, plain text and HTML bodies.
type Email struct {
	Subject, Text, HTML string
}

// subjectMax keeps subjects whole in most inboxes' lists.
const subjectMax = 200

const testNotice = "This is a test notification, sent to check the rule: nothing happened."

// RenderEmail renders m as an email a person can triage from the inbox: the subject says
// who did what where, the body adds every fact, the reason or the changes, and why the
// reader gets it.
//
// The bodies are built with strings.Builder and html.EscapeString rather than text/template
// and html/template: templates call methods by name, which keeps the linker from dropping
// unused code and made the email sender's binary 6 MB larger.
func RenderEmail(m Message) (Email, error) {
	s := summarize(m)
	rows := s.Facts
	if s.Reason != "" {
		rows = append(rows[:len(rows):len(rows)], fact{"Reason", s.Reason})
	}
	notice := fmt.Sprintf(`You receive this because the notification rule "%s" of organization %s subscribes to %s.`,
		s.Rule, s.Org, s.Type)
	return Email{
		Subject: truncate(s.Headline, subjectMax),
		Text:    emailText(s, rows, notice),
		HTML:    emailHTML(s, rows, notice),
	}, nil
}

func emailText(s summary, rows []fact, notice string) string {
	var b strings.Builder
	b.WriteString(s.Headline)
	if s.Test {
		b.WriteString("\n\n" + testNotice)
	}
	b.WriteString("\n")
	if len(rows) > 0 {
		width := 0
		for _, r := range rows {
			width = max(width, runes(r.Label)+1)
		}
		pad := "\n" + strings.Repeat(" ", width+2)
		b.WriteString("\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "%-*s  %s\n", width, r.Label+":", strings.ReplaceAll(r.Value, "\n", pad))
		}
	}
	if len(s.Changes) > 0 {
		b.WriteString("\nChanges:\n")
		for _, c := range s.Changes {
			b.WriteString("  " + c.Label + ": " + c.Value + "\n")
		}
	}
	b.WriteString("\n-- \n" + notice + "\n")
	return b.String()
}

const (
	thStyle = `padding:6px 12px 6px 0;text-align:left;vertical-align:top;white-space:nowrap;color:#59636e;font-weight:600;`
	tdStyle = `padding:6px 0;white-space:pre-wrap;word-break:break-word;`
	tableOp = `<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;border-collapse:collapse;">`
)

func emailHTML(s summary, rows []fact, notice string) string {
	esc := html.EscapeString
	var b strings.Builder
	b.Grow(4096)
	b.WriteString(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>` + esc(s.Headline) + `</title></head>
<body style="margin:0;padding:24px;background:#f6f8fa;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:14px;color:#1f2328;">
<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;max-width:640px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-top:4px solid ` +
		fmt.Sprintf("#%06x", s.Kind.color()) + `;border-radius:6px;">
<tr><td style="padding:20px 24px 8px;">
<h1 style="margin:0;font-size:18px;line-height:1.4;">` + esc(s.Headline) + `</h1>`)
	if s.Test {
		b.WriteString("\n" + `<p style="margin:8px 0 0;padding:6px 10px;background:#fff8c5;border:1px solid #d4a72c;border-radius:4px;">` + testNotice + `</p>`)
	}
	b.WriteString("\n</td></tr>")
	if len(rows) > 0 {
		b.WriteString("\n<tr><td style=\"padding:8px 24px;\">\n" + tableOp)
		for _, r := range rows {
			b.WriteString("\n<tr><th scope=\"row\" style=\"" + thStyle + "\">" + esc(r.Label) + "</th><td style=\"" + tdStyle + "\">" + esc(r.Value) + "</td></tr>")
		}
		b.WriteString("\n</table>\n</td></tr>")
	}
	if len(s.Changes) > 0 {
		b.WriteString("\n<tr><td style=\"padding:8px 24px;\">\n<h2 style=\"margin:0 0 4px;font-size:15px;\">Changes</h2>\n" + tableOp)
		for _, c := range s.Changes {
			b.WriteString("\n<tr><th scope=\"row\" style=\"" + thStyle + "\"><code>" + esc(c.Label) + "</code></th><td style=\"" + tdStyle + "\"><code>" + esc(c.Value) + "</code></td></tr>")
		}
		b.WriteString("\n</table>\n</td></tr>")
	}
	b.WriteString("\n<tr><td style=\"padding:16px 24px 20px;font-size:12px;color:#59636e;border-top:1px solid #d0d7de;\">" + esc(notice) + "</td></tr>\n</table>\n</body>\n</html>\n")
	return b.String()
}
