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
		// A generic URL may still carry a token in its path; mask long opaque segments.
		for i, s := range segs {
			if looksLikeToken(s) {
				keep = min(keep, i)
				break
			}
		}
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

// looksLikeToken reports whether a path segment is long and mixes letters and digits, as keys do.
func looksLikeToken(s string) bool {
	if len(s) < 16 {
		return false
	}
	var letters, digits bool
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letters = true
		}
	}
	return letters && digits
}
