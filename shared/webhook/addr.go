package webhook

import (
	"net/netip"
	"syscall"
)

// blockedError is the refusal to connect to an address a webhook must not reach.
type blockedError struct{ addr string }

func (e *blockedError) Error() string { return "blocked address " + e.addr }

// blockedPrefixes are the networks a webhook must never reach: the host itself, the private
// networks it sits in, and the cloud metadata services (169.254.169.254 and fd00:ec2::254
// fall in the link-local and unique-local prefixes).
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"; 0.0.0.0 reaches the local host on Linux
	netip.MustParsePrefix("10.0.0.0/8"),     // private
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT, also where some clouds put metadata
	netip.MustParsePrefix("127.0.0.0/8"),    // loopback
	netip.MustParsePrefix("169.254.0.0/16"), // link-local, metadata
	netip.MustParsePrefix("172.16.0.0/12"),  // private
	netip.MustParsePrefix("192.168.0.0/16"), // private
	netip.MustParsePrefix("224.0.0.0/4"),    // multicast
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
	netip.MustParsePrefix("::/128"),         // unspecified
	netip.MustParsePrefix("::1/128"),        // loopback
	netip.MustParsePrefix("fc00::/7"),       // unique-local, metadata (fd00:ec2::254)
	netip.MustParsePrefix("fe80::/10"),      // link-local
	netip.MustParsePrefix("ff00::/8"),       // multicast
}

// IPv6 forms that carry an IPv4 address inside; the IPv4 address decides.
// (IPv4-mapped, ::ffff:a.b.c.d, is handled by Unmap.)
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // well-known NAT64 prefix, RFC 6052
	v4compat  = netip.MustParsePrefix("::/96")        // deprecated IPv4-compatible form
	sixToFour = netip.MustParsePrefix("2002::/16")    // 6to4, RFC 3056
)

// blocked reports whether ip is an address a webhook must not reach.
func blocked(ip netip.Addr) bool {
	if !ip.IsValid() {
		return true
	}
	// Prefix.Contains never matches an address with a zone, so drop it (fe80::1%eth0).
	ip = ip.WithZone("").Unmap()
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip), v4compat.Contains(ip):
			return blocked(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(ip):
			return blocked(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// control is a net.Dialer.Control that refuses blocked addresses. It runs after name
// resolution, on the address actually dialed, so neither a hostname that resolves to a
// private address nor DNS rebinding gets past it.
func control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &blockedError{addr: address}
	}
	if blocked(ap.Addr()) {
		return &blockedError{addr: ap.Addr().String()}
	}
	return nil
}
