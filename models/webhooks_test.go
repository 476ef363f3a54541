package models_test

import (
	"net/netip"
	"testing"
	"time"

	"samen/models"
)

func TestWebhookPublicAddr(t *testing.T) {
	for addr, public := range map[string]bool{
		"93.184.215.14": true, "203.0.113.7": true, "2606:4700::1111": true,
		"127.0.0.1": false, "127.8.9.10": false, "::1": false, "10.0.0.1": false, "172.16.5.4": false,
		"192.168.0.1": false, "169.254.169.254": false, "fe80::1": false, "fc00::1": false, "fd12::1": false,
		"0.0.0.0": false, "::": false, "224.0.0.1": false, "ff02::1": false, "100.64.0.1": false,
		"255.255.255.255": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "::ffff:93.184.215.14": true,
		"64:ff9b::7f00:1": false, "2002:7f00:1::": false, "::127.0.0.1": false,
	} {
		if got := models.PublicAddr(netip.MustParseAddr(addr)); got != public {
			t.Errorf("PublicAddr(%s) = %v, want %v", addr, got, public)
		}
	}
}

// TestWebhookSignature checks SignWebhook against the example of the
// Standard Webhooks specification.
func TestWebhookSignature(t *testing.T) {
	sig, err := models.SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
		[]byte(`{"test": 2432232314}`))
	if err != nil || sig != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("signature %q, %v", sig, err)
	}
	if _, err := models.SignWebhook("whsec_not base64!", "msg", 1, nil); err == nil {
		t.Fatal("a broken secret signed")
	}
}

func TestWebhookRetryDelay(t *testing.T) {
	base := 30 * time.Second
	var total time.Duration
	for n, want := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute} {
		if got := models.WebhookRetryDelay(base, n+1); got != want {
			t.Fatalf("delay after attempt %d: %s, want %s", n+1, got, want)
		}
	}
	for n := 1; n < models.WebhookAttempts; n++ {
		total += models.WebhookRetryDelay(base, n)
	}
	if models.WebhookAttempts < 8 || total < 4*time.Hour || total > 5*time.Hour {
		t.Fatalf("%d attempts over %s", models.WebhookAttempts, total)
	}
}
