// Package localauth stands in for API Gateway's JWT authorizer in the local stack: it issues
// development tokens signed with a key kept on disk, verifies them (signature, issuer,
// audience, expiry) and hands the API the verified claims in the request-context shape API
// Gateway uses. It is never part of a deployed function.
package localauth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"

	"github.com/heraldhq/herald/shared/lambdahttp"
)

// The issuer and audience of development tokens; the CDK stack's JWT authorizer is configured
// with a real identity provider's instead.
const (
	Issuer   = "herald-local"
	Audience = "herald"
	keyFile  = "dev-signing-key"
)

// Authority issues and verifies development tokens.
type Authority struct {
	key []byte
	now func() time.Time
	// Rejected, if set, hears of every request the authorizer turns away and why, since such
	// a request never reaches the API and its logs.
	Rejected func(r *http.Request, why string)
}

// Load reads the signing key from dir, creating dir and a new random key on first use.
func Load(dir string) (*Authority, error) {
	path := filepath.Join(dir, keyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("localauth: create %s: %w", dir, err)
		}
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("localauth: new key: %w", err)
		}
		b = []byte(base64.StdEncoding.EncodeToString(key))
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("localauth: save key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("localauth: read key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("localauth: %s is not a key this program wrote; delete it to make a new one", path)
	}
	return &Authority{key: key, now: time.Now}, nil
}

// Identity is who a token speaks for.
type Identity struct {
	Org, Role, Subject, Email string
}

// Issue returns a token for id, valid for ttl.
func (a *Authority) Issue(id Identity, ttl time.Duration) (string, error) {
	if id.Org == "" || id.Role == "" {
		return "", errors.New("localauth: a token needs an organization and a role")
	}
	if id.Subject == "" {
		id.Subject = "local-" + id.Role
	}
	now := a.now()
	claims := jwt.MapClaims{
		"iss": Issuer, "aud": Audience, "sub": id.Subject,
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(),
		"org_id": id.Org, "role": id.Role,
	}
	if id.Email != "" {
		claims["email"] = id.Email
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(a.key)
}

// Verify checks token's signature, issuer, audience and expiry and returns its claims as API
// Gateway passes them to a function: every value as a string.
func (a *Authority) Verify(token string) (map[string]string, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return a.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer), jwt.WithAudience(Audience), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(a.now))
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		switch v := v.(type) {
		case string:
			out[k] = v
		case float64:
			if v == math.Trunc(v) {
				out[k] = strconv.FormatInt(int64(v), 10)
			} else {
				out[k] = strconv.FormatFloat(v, 'f', -1, 64)
			}
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out, nil
}

// Authorizer wraps next as API Gateway's JWT authorizer does the routes it protects: a request
// without a valid bearer token is answered 401 as API Gateway answers it and never reaches next;
// a valid one reaches next with the claims in its request context. Requests for which public
// reports true pass through without a token.
func (a *Authority) Authorizer(next http.Handler, public func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if public != nil && public(r) {
			next.ServeHTTP(w, r)
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			a.reject(w, r, "no bearer token", "")
			return
		}
		claims, err := a.Verify(strings.TrimSpace(tok))
		if err != nil {
			a.reject(w, r, err.Error(), err.Error())
			return
		}
		rc := events.APIGatewayV2HTTPRequestContext{
			RouteKey:  r.Method + " " + r.URL.Path,
			Stage:     "$default",
			RequestID: newRequestID(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: r.RemoteAddr, UserAgent: r.UserAgent(),
			},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
			},
		}
		next.ServeHTTP(w, r.WithContext(lambdahttp.WithRequestContext(r.Context(), rc)))
	})
}

func (a *Authority) reject(w http.ResponseWriter, r *http.Request, why, described string) {
	if a.Rejected != nil {
		a.Rejected(r, why)
	}
	unauthorized(w, described)
}

// unauthorized answers as API Gateway's JWT authorizer does.
func unauthorized(w http.ResponseWriter, why string) {
	v := `Bearer`
	if why != "" {
		v += ` error="invalid_token", error_description="` + strings.ReplaceAll(why, `"`, `'`) + `"`
	}
	w.Header().Set("WWW-Authenticate", v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	w.Write([]byte(`{"message":"Unauthorized"}` + "\n"))
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
