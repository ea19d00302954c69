package notification

import (
	"net/url"
	"strings"
)

const mask = "****"

// RedactURL masks the parts of a webhook URL that work as a password: the token path segments
// of chat webhooks (Slack, Discord, Teams, Google Chat), every query value, and user info.
// Scheme, host and the path's shape stay, so a person can still tell which endpoint it is.
func RedactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return mask
	}
	if u.User != nil {
		u.User = url.User(mask)
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{mask}
		}
		u.RawQuery = strings.ReplaceAll(q.Encode(), "%2A", "*")
	}
	u.Fragment = ""
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	keep := len(segs) // segments shown as they are; the rest are masked
	switch Format("").Resolve(raw) {
	case FormatSlack: // /services/T…/B…/<token>
		keep = min(keep, 3)
	case FormatDiscord: // /api/webhooks/<id>/<token>
		keep = min(keep, 3)
	case FormatTeams: // /webhookb2/<tenant>/IncomingWebhook/<hex>/<guid>, /workflows/<id>/...
		keep = min(keep, 1)
	case FormatGoogleChat: // /v1/spaces/<space>/messages?key=…&token=… (query already masked)
	default:
		// Many webhook URLs are their own credential (/hooks/catch/123/abc,
		// /webhook/my-secret-path): keep the first segment, to tell endpoints apart, and mask
		// the rest.
		keep = min(keep, 1)
	}
	for i := keep; i < len(segs); i++ {
		if segs[i] != "" {
			segs[i] = mask
		}
	}
	if u.Path != "" {
		u.Path = "/" + strings.Join(segs, "/")
		u.RawPath = ""
	}
	return strings.ReplaceAll(u.String(), "%2A", "*")
}
