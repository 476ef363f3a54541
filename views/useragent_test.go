package views_test

import (
	"testing"

	"samen/views"
)

func TestDeviceOfReadsUserAgents(t *testing.T) {
	for _, tc := range []struct {
		ua, browser, os string
	}{
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome", "Linux"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Edge", "Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", "Safari", "macOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", "Safari", "iPhone"},
		{"Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", "Chrome", "iPad"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/132.0 Mobile/15E148 Safari/605.1.15", "Firefox", "iPhone"},
		{"Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0", "Firefox", "Android"},
		{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox", "Linux"},
		{"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", "Samsung Internet", "Android"},
		{"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome", "Android"},
		{"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome", "ChromeOS"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0", "Opera", "Windows"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Vivaldi/7.0", "Vivaldi", "Windows"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; Trident/7.0; rv:11.0) like Gecko", "Internet Explorer", "Windows"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36", "Chrome", "Linux"},
		{"curl/8.5.0", "curl", ""},
		{"Samen-CLI/1.2 (FreeBSD)", "Samen-CLI", "FreeBSD"},
		{"Mozilla/5.0 (Windows NT 10.0)", "", "Windows"},
		{"Mozilla/5.0", "", ""},
		{"", "", ""},
	} {
		if got := views.DeviceOf(tc.ua); got.Browser != tc.browser || got.OS != tc.os {
			t.Errorf("%q: %+v, want %s on %s", tc.ua, got, tc.browser, tc.os)
		}
	}
}

func TestDeviceNameInTheReadersLanguage(t *testing.T) {
	tr, l := localizers(t)
	chrome := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	for _, tc := range []struct{ lang, ua, want string }{
		{"en", chrome, "Chrome on Linux"},
		{"nl", chrome, "Chrome op Linux"},
		{"en", "Mozilla/5.0 (Windows NT 10.0)", "A browser on Windows"},
		{"nl", "Mozilla/5.0 (Windows NT 10.0)", "Een browser op Windows"},
		{"en", "curl/8.5.0", "curl"},
		{"en", "", "Unknown device"},
		{"nl", "Mozilla/5.0", "Onbekend apparaat"},
	} {
		if got := tr.DeviceName(l[tc.lang], tc.ua); got != tc.want {
			t.Errorf("%s %q: %q, want %q", tc.lang, tc.ua, got, tc.want)
		}
	}
}
