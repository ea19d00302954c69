package webhook

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

func newSecret(t testing.TB) string {
	t.Helper()
	s, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewSecret(t *testing.T) {
	a, b := newSecret(t), newSecret(t)
	if a == b {
		t.Fatal("two secrets are the same")
	}
	b64, ok := strings.CutPrefix(a, "whsec_")
	if !ok {
		t.Fatalf("secret %q has no whsec_ prefix", a)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) != 32 {
		t.Fatalf("key: %d bytes, err %v; want 32 bytes", len(key), err)
	}
}

// The test vector of the Standard Webhooks reference libraries (svix's own test).
func TestSignVector(t *testing.T) {
	got, err := Sign([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

// verify checks h and body with svix's verifier holding secret.
func verify(t *testing.T, secret string, body []byte, h http.Header) error {
	t.Helper()
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh.Verify(body, h)
}

func TestHeadersVerifyWithSvix(t *testing.T) {
	oldS, newS, other := newSecret(t), newSecret(t), newSecret(t)
	body := []byte(`{"type":"login-failure","id":"evt_1","data":{"user":"alice"}}`)
	now := time.Now()

	one, err := Headers([]string{oldS}, "msg_1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	rotating, err := Headers([]string{oldS, newS}, "msg_1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	if sig := rotating.Get("webhook-signature"); len(strings.Split(sig, " ")) != 2 {
		t.Fatalf("rotating signature %q: want two space-separated signatures", sig)
	}
	tampered := bytes.Replace(body, []byte("alice"), []byte("mallory"), 1)

	tests := []struct {
		name   string
		secret string
		h      http.Header
		body   []byte
		ok     bool
	}{
		{"single secret", oldS, one, body, true},
		{"rotation, verifier has the old secret", oldS, rotating, body, true},
		{"rotation, verifier has the new secret", newS, rotating, body, true},
		{"tampered body", oldS, one, tampered, false},
		{"tampered body, rotation", newS, rotating, tampered, false},
		{"wrong secret", other, one, body, false},
		{"wrong secret, rotation", other, rotating, body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verify(t, tt.secret, tt.body, tt.h)
			if tt.ok && err != nil {
				t.Errorf("Verify: %v", err)
			}
			if !tt.ok && err == nil {
				t.Error("Verify succeeded; want an error")
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	ts := time.Unix(1700000000, 0)
	h, err := Headers([]string{newSecret(t)}, "msg_42", ts, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"webhook-id":        "msg_42",
		"webhook-timestamp": "1700000000",
		"Content-Type":      "application/json",
		"User-Agent":        DefaultUserAgent,
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if !strings.HasPrefix(h.Get("webhook-signature"), "v1,") {
		t.Errorf("webhook-signature = %q, want v1,...", h.Get("webhook-signature"))
	}
}

func TestSignErrors(t *testing.T) {
	good := newSecret(t)
	tests := []struct {
		name    string
		secrets []string
		id      string
		leak    string // must not appear in the error
	}{
		{"no secret", nil, "msg_1", ""},
		{"empty id", []string{good}, "", ""},
		{"no prefix", []string{"c3VwZXJzZWNyZXRrZXk="}, "msg_1", "c3VwZXJzZWNyZXRrZXk"},
		{"bad base64", []string{"whsec_hunter2!!notbase64"}, "msg_1", "hunter2"},
		{"empty key", []string{"whsec_"}, "msg_1", ""},
		{"second of two is bad", []string{good, "whsec_s3cr3t-t0ken*"}, "msg_1", "s3cr3t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Sign(tt.secrets, tt.id, time.Now(), []byte(`{}`))
			if err == nil {
				t.Fatal("Sign succeeded; want an error")
			}
			if tt.leak != "" && strings.Contains(err.Error(), tt.leak) {
				t.Errorf("error %q leaks the secret", err)
			}
			if strings.Contains(err.Error(), strings.TrimPrefix(good, "whsec_")) {
				t.Errorf("error %q leaks a secret", err)
			}
			if _, err := Headers(tt.secrets, tt.id, time.Now(), []byte(`{}`)); err == nil {
				t.Error("Headers succeeded; want an error")
			}
		})
	}
}

func BenchmarkSign4KiB(b *testing.B) {
	secrets := []string{newSecret(b)}
	body := bytes.Repeat([]byte("x"), 4<<10)
	ts := time.Now()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(secrets, "msg_2a9f1c", ts, body); err != nil {
			b.Fatal(err)
		}
	}
}
