// Package auth says who is calling: the organization, role and subject that API Gateway's JWT
// authorizer verified, read from its claims.
package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/heraldhq/herald/shared/lambdahttp"
)

// AdminRole is the only role that manages notifications.
const AdminRole = "admin"

// Caller is an authenticated user of the API.
type Caller struct {
	Org     string `json:"org_id"`
	Role    string `json:"role"`
	Subject string `json:"subject"`
	Email   string `json:"email,omitempty"`
}

// IsAdmin reports whether c may manage notifications.
func (c Caller) IsAdmin() bool { return c.Role == AdminRole }

// Actor names c in audit trails and rule metadata.
func (c Caller) Actor() string {
	if c.Email != "" {
		return c.Email
	}
	return c.Subject
}

// Claims names the JWT claims that carry the caller's organization and role.
type Claims struct {
	Org  string // default "org_id"
	Role string // default "role"
}

// ErrUnauthenticated means the request carries no usable identity.
var ErrUnauthenticated = errors.New("unauthenticated")

// FromContext reads the caller from the API Gateway request context in ctx.
func (n Claims) FromContext(ctx context.Context) (Caller, error) {
	rc, ok := lambdahttp.RequestContext(ctx)
	if !ok || rc.Authorizer == nil || rc.Authorizer.JWT == nil {
		return Caller{}, fmt.Errorf("%w: no verified token", ErrUnauthenticated)
	}
	return n.FromClaims(rc.Authorizer.JWT.Claims)
}

// FromClaims reads the caller from verified claims.
func (n Claims) FromClaims(claims map[string]string) (Caller, error) {
	orgClaim, roleClaim := n.Org, n.Role
	if orgClaim == "" {
		orgClaim = "org_id"
	}
	if roleClaim == "" {
		roleClaim = "role"
	}
	c := Caller{Org: claims[orgClaim], Role: claims[roleClaim], Subject: claims["sub"], Email: claims["email"]}
	switch {
	case c.Org == "":
		return Caller{}, fmt.Errorf("%w: the token has no %q claim", ErrUnauthenticated, orgClaim)
	case c.Role == "":
		return Caller{}, fmt.Errorf("%w: the token has no %q claim", ErrUnauthenticated, roleClaim)
	}
	return c, nil
}
