package dashboard

import (
	"net"
	"net/http"
	"strings"
)

// WithAddr turns on DNS-rebinding protection for a dashboard listening on
// addr (host:port, as net.Listener.Addr gives it): a request is served only
// when its Host header names that port and a host that can only mean this
// machine or this listener — localhost, a loopback address (127.0.0.1,
// [::1]), the listening address itself, any IP address when listening on all
// interfaces (0.0.0.0 or [::]), or a name given to WithAllowedHosts. A web
// page from another site that has pointed its own DNS name at 127.0.0.1
// sends that name as Host and is refused with 403, so it cannot read the
// database through the visitor's browser.
func WithAddr(addr string) Option {
	return func(s *Server) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			host, port = addr, ""
		}
		s.hostCheck = true
		s.bindHost, s.bindPort = normHost(host), port
	}
}

// WithAllowedHosts adds host names (NAME or NAME:PORT) that WithAddr's check
// accepts besides the local ones, for a dashboard reached by a DNS name.
func WithAllowedHosts(names ...string) Option {
	return func(s *Server) {
		for _, n := range names {
			if n = strings.TrimSpace(n); n != "" {
				s.allowHosts = append(s.allowHosts, strings.ToLower(n))
			}
		}
	}
}

// normHost lowercases a host and drops IPv6 brackets and a trailing dot.
func normHost(h string) string {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
}

// hostAllowed applies WithAddr's rule to a request's Host header.
func (s *Server) hostAllowed(r *http.Request) bool {
	if !s.hostCheck {
		return true
	}
	raw := strings.ToLower(r.Host)
	host, port, err := net.SplitHostPort(raw)
	if err != nil {
		host, port = raw, "80" // no port: the scheme's default
	}
	host = normHost(host)
	if host == "" {
		return false
	}
	for _, a := range s.allowHosts {
		if a == host || a == host+":"+port {
			return true
		}
	}
	if s.bindPort != "" && port != s.bindPort {
		return false
	}
	if host == "localhost" || host == s.bindHost {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false // a DNS name: exactly what a rebinding attack sends
	}
	if ip.IsLoopback() {
		return true
	}
	bound := net.ParseIP(s.bindHost)
	return bound != nil && bound.IsUnspecified()
}
