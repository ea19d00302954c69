package render

import "strings"

// Teams has no per-field limits, only a ~28 KB message; these keep a card readable and small.
const (
	cardTitleMax = 256
	cardValueMax = 1000
	cardTextMax  = 3000
)

type teamsBody struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string    `json:"contentType"`
	Content     teamsCard `json:"content"`
}

type teamsCard struct {
	Schema  string         `json:"$schema"`
	Type    string         `json:"type"`
	Version string         `json:"version"`
	Body    []teamsElement `json:"body"`
	MSTeams teamsWidth     `json:"msteams"`
}

type teamsWidth struct {
	Width string `json:"width"`
}

// teamsElement is a TextBlock or a FactSet.
type teamsElement struct {
	Type     string      `json:"type"`
	Text     string      `json:"text,omitempty"`
	Weight   string      `json:"weight,omitempty"`
	Size     string      `json:"size,omitempty"`
	Color    string      `json:"color,omitempty"`
	IsSubtle bool        `json:"isSubtle,omitempty"`
	Wrap     bool        `json:"wrap,omitempty"`
	Facts    []teamsFact `json:"facts,omitempty"`
}

type teamsFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// teams builds the message envelope Teams incoming webhooks and workflows accept: one
// Adaptive Card with the headline, the facts, the reason and the changes.
func teams(s summary) teamsBody {
	body := []teamsElement{{
		Type:   "TextBlock",
		Text:   teamsHeadline(s.Headline),
		Weight: "bolder",
		Size:   "medium",
		Color:  teamsColor(s.Kind),
		Wrap:   true,
	}}
	if len(s.Facts) > 0 {
		body = append(body, teamsFactSet(s.Facts))
	}
	if s.Reason != "" {
		body = append(body, teamsElement{
			Type: "TextBlock", Text: "Reason: " + teamsEscape(s.Reason, cardTextMax-len("Reason: ")), Color: "attention", Wrap: true,
		})
	}
	if len(s.Changes) > 0 {
		body = append(body,
			teamsElement{Type: "TextBlock", Text: "Changes", Weight: "bolder", Wrap: true},
			teamsFactSet(s.Changes))
	}
	body = append(body, teamsElement{Type: "TextBlock", Text: s.Footer, Size: "small", IsSubtle: true, Wrap: true})
	return teamsBody{
		Type: "message",
		Attachments: []teamsAttachment{{
			ContentType: "application/vnd.microsoft.card.adaptive",
			Content: teamsCard{
				Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
				Type:    "AdaptiveCard",
				Version: "1.4",
				Body:    body,
				MSTeams: teamsWidth{"Full"},
			},
		}},
	}
}

func teamsFactSet(fs []fact) teamsElement {
	facts := make([]teamsFact, len(fs))
	for i, f := range fs {
		facts[i] = teamsFact{teamsEscape(f.Label, cardTitleMax), teamsEscape(f.Value, cardValueMax)}
	}
	return teamsElement{Type: "FactSet", Facts: facts}
}

func teamsColor(k kind) string {
	switch k {
	case kindFailure:
		return "attention"
	case kindSuccess:
		return "good"
	}
	return "accent"
}

// teamsEscape keeps event text from becoming Adaptive Card markdown (a user named
// "[Reset MFA](https://evil.example)" must not turn into a link).
func teamsEscape(s string, max int) string {
	return cutEscaped(s, max, func(r rune) string {
		if strings.ContainsRune("\\*_[]`~", r) {
			return "\\" + string(r)
		}
		return ""
	})
}

// teamsHeadline escapes the headline but for Herald's own test marker.
func teamsHeadline(h string) string {
	const marker = "[TEST] "
	if rest, ok := strings.CutPrefix(h, marker); ok {
		return marker + teamsEscape(rest, cardTitleMax-len(marker))
	}
	return teamsEscape(h, cardTitleMax)
}
