package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/heraldhq/herald/shared/localauth"
)

// localSession answers GET /local/session with a fresh admin token for org, so the portal can
// offer "Sign in as local admin". Only herald-local serves this route: in AWS the portal finds
// no such route and offers only token sign-in.
func localSession(a *localauth.Authority, org string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only for a browser on this machine that asked this server by a loopback name: a page
		// elsewhere that rebinds its own host name to 127.0.0.1 gets nothing.
		if !loopbackHost(r.Host) || !loopbackAddr(r.RemoteAddr) {
			http.Error(w, "the local sign-in is only for this machine", http.StatusForbidden)
			return
		}
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

func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}

func loopbackAddr(remote string) bool {
	ap, err := netip.ParseAddrPort(remote)
	return err == nil && ap.Addr().Unmap().IsLoopback()
}
