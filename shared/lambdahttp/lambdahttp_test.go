package lambdahttp

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestHandlerRoundTrip(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/things/{name}", func(w http.ResponseWriter, r *http.Request) {
		rc, ok := RequestContext(r.Context())
		if !ok || rc.Authorizer.JWT.Claims["org_id"] != "org_a" {
			t.Errorf("claims not carried: %+v", rc)
		}
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "a=1")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"name":"` + r.PathValue("name") + `","q":"` + r.URL.Query().Get("q") + `","body":` + string(b) + `,"ct":"` + r.Header.Get("Content-Type") + `"}`))
	})
	h := Handler(mux)
	e := events.APIGatewayV2HTTPRequest{
		RawPath:         "/v1/things/my%20thing",
		RawQueryString:  "q=1",
		Headers:         map[string]string{"content-type": "application/json"},
		Body:            base64.StdEncoding.EncodeToString([]byte(`{"x":1}`)),
		IsBase64Encoded: true,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"org_id": "org_a"}}},
		},
	}
	resp, err := h(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || resp.Headers["Content-Type"] != "application/json" || len(resp.Cookies) != 1 {
		t.Errorf("response = %+v", resp)
	}
	want := `{"name":"my thing","q":"1","body":{"x":1},"ct":"application/json"}`
	if resp.Body != want {
		t.Errorf("body = %s, want %s", resp.Body, want)
	}
	if _, err := h(context.Background(), events.APIGatewayV2HTTPRequest{Body: "%%%", IsBase64Encoded: true}); err == nil {
		t.Error("a body that is not base64 should fail")
	}
}

func TestNotFoundAndBinary(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bin", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte{0xff, 0xfe}) })
	h := Handler(mux)
	resp, _ := h(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/nope"})
	if resp.StatusCode != 404 {
		t.Errorf("status = %d, want 404", resp.StatusCode)
	}
	resp, _ = h(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/bin"})
	if !resp.IsBase64Encoded || resp.Body != base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe}) {
		t.Errorf("binary body = %+v", resp)
	}
}
