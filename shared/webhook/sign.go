// Package webhook is how Herald signs a webhook (the Standard Webhooks scheme,
// https://www.standardwebhooks.com), POSTs it without reaching places it must not,
// and reads the outcome: delivered, retry later, or failed for good.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// secretPrefix marks a Standard Webhooks signing secret; the base64 key bytes follow it.
const secretPrefix = "whsec_"

// DefaultUserAgent is the User-Agent Herald sends unless Options says otherwise.
const DefaultUserAgent = "Herald-Webhooks/1.0 (+https://github.com/heraldhq/herald)"

// The Standard Webhooks headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// NewSecret returns a new signing secret: "whsec_" and the base64 of 32 random bytes.
func NewSecret() (string, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("webhook: new secret: %w", err)
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Sign returns the webhook-signature header value for a message: "v1,<sig>" for each secret,
// space-separated, so a receiver holding any one of them (old or new, during a rotation)
// can verify it. sig is the base64 HMAC-SHA256 of "<id>.<unix seconds>.<body>".
//
// A malformed secret is an error that says which one (by position) but never what it holds.
func Sign(secrets []string, id string, ts time.Time, body []byte) (string, error) {
	if len(secrets) == 0 {
		return "", errors.New("webhook: sign: no secret")
	}
	if id == "" {
		return "", errors.New("webhook: sign: empty message id")
	}
	// The signed content is "<id>.<unix seconds>.<body>"; everything before the body
	// is the same for every secret.
	prefix := make([]byte, 0, len(id)+22)
	prefix = append(prefix, id...)
	prefix = append(prefix, '.')
	prefix = strconv.AppendInt(prefix, ts.Unix(), 10)
	prefix = append(prefix, '.')

	var sig strings.Builder
	sig.Grow(len(secrets) * (len("v1,") + base64.StdEncoding.EncodedLen(sha256.Size) + 1))
	var sum [sha256.Size]byte
	var enc [44]byte // base64.StdEncoding.EncodedLen(sha256.Size)
	for i, s := range secrets {
		key, err := decodeSecret(s)
		if err != nil {
			return "", fmt.Errorf("webhook: sign: secret %d of %d: %w", i+1, len(secrets), err)
		}
		m := hmac.New(sha256.New, key)
		m.Write(prefix)
		m.Write(body)
		base64.StdEncoding.Encode(enc[:], m.Sum(sum[:0]))
		if i > 0 {
			sig.WriteByte(' ')
		}
		sig.WriteString("v1,")
		sig.Write(enc[:])
	}
	return sig.String(), nil
}

// decodeSecret returns a secret's key bytes. Its errors never quote the secret:
// they end up in logs, and even part of a key is too much there.
func decodeSecret(s string) ([]byte, error) {
	b64, ok := strings.CutPrefix(s, secretPrefix)
	if !ok {
		return nil, errors.New(`malformed secret (want "whsec_" and base64)`)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) == 0 {
		return nil, errors.New("malformed secret (its key is not valid base64)")
	}
	return key, nil
}

// Headers returns the headers of a signed webhook: webhook-id, webhook-timestamp,
// webhook-signature (see Sign), Content-Type application/json and User-Agent.
func Headers(secrets []string, id string, ts time.Time, body []byte) (http.Header, error) {
	sig, err := Sign(secrets, id, ts, body)
	if err != nil {
		return nil, err
	}
	h := make(http.Header, 5)
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", DefaultUserAgent)
	return h, nil
}
