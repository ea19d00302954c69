package notification

import (
	"net/url"
	"strings"
)

// Format is how a webhook's body is shaped.
type Format string

// The webhook formats. Auto picks one from the URL's host when the message is sent.
const (
	FormatAuto       Format = "auto"
	FormatGeneric    Format = "generic"
	FormatSlack      Format = "slack"
	FormatTeams      Format = "teams"
	FormatDiscord    Format = "discord"
	FormatGoogleChat Format = "googlechat"
)

// Formats lists every format a rule may name.
var Formats = []Format{FormatAuto, FormatGeneric, FormatSlack, FormatTeams, FormatDiscord, FormatGoogleChat}

// Valid reports whether f is one of Formats.
func (f Format) Valid() bool {
	for _, g := range Formats {
		if f == g {
			return true
		}
	}
	return false
}

// Resolve turns FormatAuto (or an empty format) into the concrete format for webhookURL's host;
// any other format is returned as it is, so a rule can send Slack's shape through a proxy.
func (f Format) Resolve(webhookURL string) Format {
	if f != "" && f != FormatAuto {
		return f
	}
	u, err := url.Parse(webhookURL)
	if err != nil {
		return FormatGeneric
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case host == "hooks.slack.com":
		return FormatSlack
	case host == "discord.com" || host == "discordapp.com" || host == "ptb.discord.com" || host == "canary.discord.com":
		if strings.HasPrefix(u.Path, "/api/webhooks/") {
			return FormatDiscord
		}
	case host == "chat.googleapis.com":
		return FormatGoogleChat
	case strings.HasSuffix(host, ".webhook.office.com") || host == "outlook.office.com" ||
		strings.HasSuffix(host, ".logic.azure.com") || strings.HasSuffix(host, ".api.powerplatform.com"):
		return FormatTeams
	}
	return FormatGeneric
}
