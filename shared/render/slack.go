package render

import "strings"

// Slack's Block Kit limits, in characters.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
	slackFieldMax   = 2000
	slackFieldsMax  = 10
	slackBlocksMax  = 50
	slackTextMax    = 3000 // the notification fallback; Slack allows more, nobody reads it
)

type slackBody struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackText struct {
	Type string `json:"type"` // plain_text or mrkdwn
	Text string `json:"text"`
}

// slack builds an Incoming Webhook message: header, facts as fields, the reason and the
// changes as sections of their own, and a context line saying which rule sent it.
func slack(s summary) slackBody {
	blocks := []slackBlock{{
		Type: "header",
		Text: &slackText{"plain_text", truncate(s.Headline, slackHeaderMax)},
	}}
	if len(s.Facts) > 0 {
		fields := make([]slackText, 0, min(len(s.Facts), slackFieldsMax))
		for _, f := range s.Facts[:min(len(s.Facts), slackFieldsMax)] {
			fields = append(fields, slackText{"mrkdwn", slackLabelled(f.Label, f.Value, slackFieldMax)})
		}
		blocks = append(blocks, slackBlock{Type: "section", Fields: fields})
	}
	if s.Reason != "" {
		blocks = append(blocks, slackSection(slackLabelled("Reason", s.Reason, slackSectionMax)))
	}
	if len(s.Changes) > 0 {
		lines := make([]string, len(s.Changes))
		for i, c := range s.Changes {
			lines[i] = "• " + c.Label + ": " + c.Value
		}
		blocks = append(blocks, slackSection(slackLabelled("Changes", strings.Join(lines, "\n"), slackSectionMax)))
	}
	blocks = append(blocks, slackBlock{
		Type:     "context",
		Elements: []slackText{{"mrkdwn", slackEscape(s.Footer, slackSectionMax)}},
	})
	// At most five blocks today; the cap keeps it so if more are added.
	if len(blocks) > slackBlocksMax {
		blocks = append(blocks[:slackBlocksMax-1], blocks[len(blocks)-1])
	}
	return slackBody{Text: slackEscape(s.Headline, slackTextMax), Blocks: blocks}
}

func slackSection(text string) slackBlock {
	return slackBlock{Type: "section", Text: &slackText{"mrkdwn", text}}
}

// slackLabelled is "*Label*\nvalue", escaped and cut to max characters in all.
func slackLabelled(label, value string, max int) string {
	head := "*" + slackEscape(label, max) + "*\n"
	return head + slackEscape(value, max-runes(head))
}

// slackEscape escapes Slack's control characters in s, so user text can't forge links or
// mentions like <!channel>, and cuts the result to max characters.
func slackEscape(s string, max int) string {
	return cutEscaped(s, max, func(r rune) string {
		switch r {
		case '&':
			return "&amp;"
		case '<':
			return "&lt;"
		case '>':
			return "&gt;"
		}
		return ""
	})
}
