package models

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// webhookTimeout bounds one attempt, from dialling to the end of the answer.
const webhookTimeout = 10 * time.Second

// blockedPrefixes are ranges no webhook may reach besides those netip names
// (loopback, private, link-local, multicast, unspecified): "this network",
// carrier-grade NAT, IETF protocol assignments, benchmarking, reserved and
// broadcast, and IPv6 prefixes that embed IPv4 addresses or are site-local.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("::/96"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("fec0::/10"),
}

// PublicAddr reports whether a webhook may reach the address: not
// loopback, private, link-local, multicast, unspecified nor any range of
// blockedPrefixes, IPv4-mapped IPv6 addresses judged as the IPv4 they carry.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// errPrivateAddr is a webhook address that is not public.
var errPrivateAddr = errors.New("resolves to a loopback, private or link-local address")

// checkWebhookURL accepts an absolute http or https URL whose host resolves
// only to public addresses (any address with allowPrivate). Delivery checks
// again the address it dials, so a name that resolves elsewhere later
// (DNS rebinding) is refused then.
func checkWebhookURL(ctx context.Context, raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return errors.New("is required")
	case len(raw) > 2000:
		return errors.New("must be at most 2000 characters")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Opaque != "":
		return errors.New("must be an absolute http or https URL")
	case u.User != nil:
		return errors.New("must not carry a user name or password")
	case u.Fragment != "":
		return errors.New("must not have a fragment")
	}
	if allowPrivate {
		return nil
	}
	host := u.Hostname()
	if addr, err := netip.ParseAddr(host); err == nil {
		if !PublicAddr(addr) {
			return errPrivateAddr
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return errors.New("has a host name that does not resolve")
	}
	for _, a := range addrs {
		if !PublicAddr(a) {
			return errPrivateAddr
		}
	}
	return nil
}

// webhookClient sends deliveries: it dials only public addresses (unless
// allowPrivate), checked on the address actually dialled, goes through no
// proxy, follows no redirect and gives up after webhookTimeout.
func webhookClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook address %q: %w", address, err)
			}
			if !allowPrivate && !PublicAddr(ap.Addr()) {
				return fmt.Errorf("webhook address %s %w", ap.Addr(), errPrivateAddr)
			}
			return nil
		},
	}
	return &http.Client{
		Timeout: webhookTimeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: webhookTimeout,
			MaxIdleConns:          10,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// send makes one attempt at a delivery and says how it went. A redirect is
// an answer like any other that is not 2xx: a failure.
func (s *Store) send(ctx context.Context, h *Webhook, d *WebhookDelivery) WebhookAttempt {
	now := s.Now()
	a := WebhookAttempt{At: now}
	ts := now.Unix()
	sig, err := SignWebhook(h.Secret, d.MessageID, ts, []byte(d.Payload))
	if err != nil {
		a.Error = err.Error()
		return a
	}
	// The URL is checked again: it was registered under other rules, perhaps.
	if err := checkWebhookURL(ctx, h.URL, s.hooks.AllowPrivate); err != nil {
		a.Error = "url " + err.Error()
		return a
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader([]byte(d.Payload)))
	if err != nil {
		a.Error = err.Error()
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Samen-Webhooks/1")
	req.Header.Set("webhook-id", d.MessageID)
	req.Header.Set("webhook-timestamp", fmt.Sprint(ts))
	req.Header.Set("webhook-signature", sig)
	start := time.Now()
	resp, err := s.hookHTTP.Do(req)
	if err != nil {
		a.DurationMS = int(time.Since(start).Milliseconds())
		a.Error = boundedText(err.Error())
		return a
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, webhookResponseLimit))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	a.DurationMS = int(time.Since(start).Milliseconds())
	a.StatusCode = resp.StatusCode
	a.Response = boundedText(string(excerpt))
	return a
}

// boundedText keeps at most webhookResponseLimit bytes of valid text
// without NUL, as both databases store it.
func boundedText(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	for len(s) > webhookResponseLimit {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
