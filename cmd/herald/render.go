package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/heraldhq/herald/shared/delivery"
	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/notification"
)

// newTable is a table in the seed's style: light rounded box lines, no lines between rows.
func newTable() table.Writer {
	t := table.NewWriter()
	t.SetStyle(table.StyleRounded)
	t.Style().Format.Header = text.FormatDefault // headers are written as they should look
	return t
}

// render returns t's text with a final newline.
func render(t table.Writer) string { return t.Render() + "\n" }

func check(b bool) string {
	if b {
		return "✔"
	}
	return "✘"
}

// ruleTable is one rule as Border0's CLI shows it: a row per field, lists one item per line.
// A webhook's format is shown only when it isn't the default, auto, so that the seed's own
// command prints the seed's table.
func ruleTable(r notification.Rule) string {
	t := newTable()
	t.AppendRow(table.Row{"Name", r.Name})
	t.AppendRow(table.Row{"Type", r.Type})
	t.AppendRow(table.Row{"Enabled", check(r.Enabled)})
	switch r.Type {
	case notification.Webhook:
		t.AppendRow(table.Row{"Webhook URL", r.WebhookURL})
		if r.Format != "" && r.Format != notification.FormatAuto {
			t.AppendRow(table.Row{"Format", r.Format})
		}
	case notification.Email:
		t.AppendRow(table.Row{"Email Recipients", strings.Join(r.EmailRecipients, "\n")})
	}
	t.AppendRow(table.Row{"Events", joinEvents(r.Events, "\n")})
	if r.DisabledReason != "" {
		t.AppendRow(table.Row{"Disabled", r.DisabledReason})
	}
	return render(t)
}

// listTable is a row per rule. The API lists webhook URLs with their tokens masked.
func listTable(rules []notification.Rule) string {
	t := newTable()
	t.AppendHeader(table.Row{"NAME", "TYPE", "ENABLED", "DESTINATION", "EVENTS"})
	for _, r := range rules {
		dest := r.WebhookURL
		if r.Type == notification.Email {
			dest = strings.Join(r.EmailRecipients, ", ")
		}
		enabled := check(r.Enabled)
		if r.DisabledReason != "" {
			enabled += " (auto-disabled)"
		}
		t.AppendRow(table.Row{r.Name, r.Type, enabled, dest, joinEvents(r.Events, ", ")})
	}
	return render(t)
}

// deliveriesTable is a row per delivery attempt.
func deliveriesTable(entries []delivery.Entry) string {
	t := newTable()
	t.AppendHeader(table.Row{"TIME", "DELIVERY", "OUTCOME", "ATTEMPT", "STATUS", "EVENT", "ERROR"})
	for _, e := range entries {
		outcome := string(e.Outcome)
		if e.Test {
			outcome += " (test)"
		}
		status := ""
		if e.Status != 0 {
			status = strconv.Itoa(e.Status)
		}
		t.AppendRow(table.Row{e.Time.UTC().Format(time.RFC3339), e.DeliveryID, outcome, strconv.Itoa(e.Attempt), status,
			string(e.EventType) + " " + e.EventID, truncate(e.Error, maxErrorWidth)})
	}
	return render(t)
}

// maxErrorWidth keeps a receiver's long error page from making the table too wide to read;
// --output json has the whole error.
const maxErrorWidth = 72

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func joinEvents(evs []event.Type, sep string) string {
	s := make([]string, len(evs))
	for i, e := range evs {
		s[i] = string(e)
	}
	return strings.Join(s, sep)
}
