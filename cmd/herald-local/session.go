package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/heraldhq/herald/shared/localauth"
)

// localSession answers GET /local/session with a fresh admin token for org, so the portal can
// offer "Sign in as local admin". Only herald-local serves this route: in AWS the portal finds
// no such route and offers only token sign-in.
func localSession(a *localauth.Authority, org string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := a.Issue(adminOf(org), 12*time.Hour)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(map[string]string{"token": tok, "org_id": org, "role": "admin"})
	})
}

// adminOf is the local stack's admin of org.
func adminOf(org string) localauth.Identity {
	return localauth.Identity{Org: org, Role: "admin", Email: "admin@" + strings.TrimPrefix(org, "org_") + ".test"}
}
