package render

import "strings"

type chatBody struct {
	Text    string     `json:"text"`
	CardsV2 []chatCard `json:"cardsV2"`
}

type chatCard struct {
	CardID string       `json:"cardId"`
	Card   chatCardBody `json:"card"`
}

type chatCardBody struct {
	Header   chatHeader    `json:"header"`
	Sections []chatSection `json:"sections"`
}

type chatHeader struct {
	Title    string `json:"title"`
	Subtitle string `json:"subtitle,omitempty"`
}

type chatSection struct {
	Header  string       `json:"header,omitempty"`
	Widgets []chatWidget `json:"widgets"`
}

type chatWidget struct {
	DecoratedText *chatDecoratedText `json:"decoratedText,omitempty"`
	TextParagraph *chatParagraph     `json:"textParagraph,omitempty"`
}

type chatDecoratedText struct {
	TopLabel string `json:"topLabel"`
	Text     string `json:"text"`
	WrapText bool   `json:"wrapText"`
}

type chatParagraph struct {
	Text string `json:"text"`
}

// googleChat builds a Chat app message with one cardsV2 card: a header naming the event and
// the rule, the facts as decorated texts, then the reason and the changes. Card text takes
// simple HTML, so user values are HTML-escaped there.
func googleChat(s summary) chatBody {
	sections := []chatSection{}
	if len(s.Facts) > 0 {
		sections = append(sections, chatSection{Widgets: chatFacts(s.Facts)})
	}
	if s.Reason != "" {
		sections = append(sections, chatSection{
			Header:  "Reason",
			Widgets: []chatWidget{{TextParagraph: &chatParagraph{chatEscape(truncate(s.Reason, cardTextMax))}}},
		})
	}
	if len(s.Changes) > 0 {
		sections = append(sections, chatSection{Header: "Changes", Widgets: chatFacts(s.Changes)})
	}
	sub := s.Footer
	if s.Org != "" && s.Rule != "" {
		sub = "org " + s.Org + " · rule " + s.Rule
	}
	return chatBody{
		Text: chatPlain.Replace(truncate(s.Headline, cardTextMax)),
		CardsV2: []chatCard{{
			CardID: "herald-" + s.DeliveryID,
			Card: chatCardBody{
				Header:   chatHeader{Title: truncate(s.Title, cardTitleMax), Subtitle: truncate(sub, cardTitleMax)},
				Sections: sections,
			},
		}},
	}
}

func chatFacts(fs []fact) []chatWidget {
	w := make([]chatWidget, len(fs))
	for i, f := range fs {
		w[i] = chatWidget{DecoratedText: &chatDecoratedText{
			TopLabel: truncate(f.Label, cardTitleMax),
			Text:     chatEscape(truncate(f.Value, cardValueMax)),
			WrapText: true,
		}}
	}
	return w
}

// chatEscape escapes the characters Chat's card HTML gives meaning to; quotes stay as they
// are, since card text is never an attribute.
var chatEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// chatPlain keeps the top-level text, which Chat reads for mentions (<users/all>) and links
// (<https://x|text>), from carrying either: angle brackets become look-alike quotes.
var chatPlain = strings.NewReplacer("<", "‹", ">", "›")
