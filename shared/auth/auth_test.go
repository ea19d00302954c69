package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/heraldhq/herald/shared/lambdahttp"
)

func TestFromClaims(t *testing.T) {
	tests := []struct {
		name   string
		names  Claims
		claims map[string]string
		want   Caller
		err    bool
	}{
		{"defaults", Claims{}, map[string]string{"org_id": "o", "role": "admin", "sub": "u1", "email": "a@b.test"}, Caller{"o", "admin", "u1", "a@b.test"}, false},
		{"custom names", Claims{Org: "custom:org", Role: "custom:role"}, map[string]string{"custom:org": "o", "custom:role": "member", "sub": "u"}, Caller{Org: "o", Role: "member", Subject: "u"}, false},
		{"no org", Claims{}, map[string]string{"role": "admin"}, Caller{}, true},
		{"no role", Claims{}, map[string]string{"org_id": "o"}, Caller{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.names.FromClaims(tt.claims)
			if tt.err != (err != nil) || got != tt.want {
				t.Errorf("got %+v, %v; want %+v, err %v", got, err, tt.want, tt.err)
			}
			if err != nil && !errors.Is(err, ErrUnauthenticated) {
				t.Errorf("error %v is not ErrUnauthenticated", err)
			}
		})
	}
	if c := (Caller{Role: "admin"}); !c.IsAdmin() {
		t.Error("admin is not admin")
	}
}

func TestFromContext(t *testing.T) {
	if _, err := (Claims{}).FromContext(context.Background()); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("no request context: %v", err)
	}
	rc := events.APIGatewayV2HTTPRequestContext{Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"org_id": "o", "role": "admin"}},
	}}
	c, err := (Claims{}).FromContext(lambdahttp.WithRequestContext(context.Background(), rc))
	if err != nil || c.Org != "o" {
		t.Errorf("got %+v, %v", c, err)
	}
}
