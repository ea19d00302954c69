package main

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/heraldhq/herald/shared/topology"
)

// Config is what a deployment decides, read from CDK context: -c key=value, cdk.json's
// "context", or the HERALD_* variables that make synth and make deploy pass on (context.sh).
// Every value has a default so `cdk synth` works offline with no context at all; the defaults
// for the identity provider and the SES identity are placeholders that fail closed (the
// authorizer accepts no token, SES refuses the sender), and synth warns about each one used.
type Config struct {
	JWTIssuer   string   // jwtIssuer: the identity provider's issuer URL
	JWTAudience []string // jwtAudience: accepted audiences, comma-separated
	// SESIdentity (sesIdentity) is the verified SES identity, a domain or an address; the
	// email sender may send only as it.
	SESIdentity string
	// EmailFrom (emailFrom) is the From of every email, e.g. "Herald <notifications@acme.com>";
	// default: SESIdentity if it is an address, else notifications@SESIdentity.
	EmailFrom           string
	SESConfigurationSet string   // sesConfigurationSet: optional SES configuration set
	PortalOrigins       []string // portalOrigin: origins allowed by CORS, comma-separated; none by default
	ClaimOrg            string   // claimOrg: JWT claim with the caller's organization
	ClaimRole           string   // claimRole: JWT claim with the caller's role
	AlarmEmail          string   // alarmEmail: optional address subscribed to the alarm topic
	NamePrefix          string   // namePrefix: prefixes the table, bus, rule and queue names
}

// Defaults used when the context leaves a value out.
const (
	// DefaultJWTIssuer is a reserved, unresolvable host: API Gateway cannot fetch its keys, so
	// the authorizer rejects every request until a real issuer is configured.
	DefaultJWTIssuer   = "https://issuer.invalid/"
	DefaultJWTAudience = "herald"
	DefaultClaimOrg    = "org_id"
	DefaultClaimRole   = "role"
)

// Names are the physical names of the deployment's resources: topology's, with the prefix.
func (c Config) Names() topology.Names {
	n := topology.DefaultNames()
	p := c.NamePrefix
	return topology.Names{Table: p + n.Table, Bus: p + n.Bus, Rule: p + n.Rule,
		EmailQueue: p + n.EmailQueue, WebhookQueue: p + n.WebhookQueue}
}

// EventsDLQ is the name of the queue that keeps the events the matcher could not take.
func (c Config) EventsDLQ() string { return c.NamePrefix + topology.EventsDLQ }

// FromAddress is the bare address of EmailFrom, as SES's ses:FromAddress condition sees it.
func (c Config) FromAddress() string {
	a, err := mail.ParseAddress(c.EmailFrom)
	if err != nil {
		return c.EmailFrom
	}
	return a.Address
}

// configFromContext reads the Config from node's context. It returns the config, the
// defaults it fell back on that a deployment must not keep (warnings, by context key), and
// the values that are wrong (errors).
func configFromContext(node constructs.Node) (c Config, warnings map[string]string, errs []string) {
	warnings = map[string]string{}
	get := func(key string) string {
		switch v := node.TryGetContext(&key).(type) {
		case string:
			return strings.TrimSpace(v)
		case []any: // a list in cdk.json
			var s []string
			for _, e := range v {
				s = append(s, fmt.Sprint(e))
			}
			return strings.Join(s, ",")
		}
		return ""
	}
	c = Config{
		JWTIssuer:           get("jwtIssuer"),
		JWTAudience:         list(get("jwtAudience")),
		SESIdentity:         get("sesIdentity"),
		EmailFrom:           get("emailFrom"),
		SESConfigurationSet: get("sesConfigurationSet"),
		PortalOrigins:       list(get("portalOrigin")),
		ClaimOrg:            or(get("claimOrg"), DefaultClaimOrg),
		ClaimRole:           or(get("claimRole"), DefaultClaimRole),
		AlarmEmail:          get("alarmEmail"),
		NamePrefix:          get("namePrefix"),
	}
	if c.JWTIssuer == "" {
		c.JWTIssuer = DefaultJWTIssuer
		warnings["jwtIssuer"] = "jwtIssuer (HERALD_JWT_ISSUER) is not set: the API's JWT authorizer trusts " +
			DefaultJWTIssuer + ", which rejects every token"
	} else if u, err := url.Parse(c.JWTIssuer); err != nil || u.Scheme != "https" || u.Host == "" {
		errs = append(errs, fmt.Sprintf("jwtIssuer %q is not an https URL (API Gateway fetches the issuer's keys over https)", c.JWTIssuer))
	}
	if len(c.JWTAudience) == 0 {
		c.JWTAudience = []string{DefaultJWTAudience}
		warnings["jwtAudience"] = "jwtAudience (HERALD_JWT_AUDIENCE) is not set: the authorizer accepts tokens for audience " +
			DefaultJWTAudience
	}
	if c.SESIdentity == "" {
		c.SESIdentity = topology.DefaultSESFrom
		warnings["sesIdentity"] = "sesIdentity (HERALD_SES_IDENTITY) is not set: the email sender may send only as " +
			topology.DefaultSESFrom + ", which SES will refuse"
	}
	if c.EmailFrom == "" {
		c.EmailFrom = c.SESIdentity
		if !strings.Contains(c.SESIdentity, "@") {
			c.EmailFrom = "notifications@" + c.SESIdentity
		}
	}
	if err := checkFrom(c.EmailFrom, c.SESIdentity); err != nil {
		errs = append(errs, err.Error())
	}
	for _, o := range c.PortalOrigins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.TrimSuffix(u.Path, "/") != "" {
			errs = append(errs, fmt.Sprintf("portalOrigin %q is not an origin such as https://portal.example.com", o))
		}
	}
	return c, warnings, errs
}

// checkFrom says whether SES lets a sender restricted to identity (an address, or a domain
// and its subdomains) send as from.
func checkFrom(from, identity string) error {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return fmt.Errorf("emailFrom %q is not an email address: %v", from, err)
	}
	if strings.Contains(identity, "@") {
		if !strings.EqualFold(a.Address, identity) {
			return fmt.Errorf("emailFrom %q is not the SES identity %q the email sender may send as", from, identity)
		}
		return nil
	}
	_, domain, _ := strings.Cut(a.Address, "@")
	domain, identity = strings.ToLower(domain), strings.ToLower(identity)
	if domain != identity && !strings.HasSuffix(domain, "."+identity) {
		return fmt.Errorf("emailFrom %q is not in the SES identity's domain %q", from, identity)
	}
	return nil
}

func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
