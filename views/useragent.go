package views

import (
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// Device is what a browser's User-Agent says in words: the browser and the
// system it runs on, each "" when the string does not say.
type Device struct {
	Browser, OS string
}

// browsers are matched in order: most browsers also name the engines and
// browsers they descend from (Edge says Chrome and Safari, Chrome says Safari).
var browsers = []struct{ token, name string }{
	{"EdgiOS/", "Edge"}, {"EdgA/", "Edge"}, {"Edg/", "Edge"}, {"Edge/", "Edge"},
	{"OPR/", "Opera"}, {"OPiOS/", "Opera"}, {"Opera", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"},
	{"Vivaldi/", "Vivaldi"},
	{"YaBrowser/", "Yandex Browser"},
	{"DuckDuckGo/", "DuckDuckGo"},
	{"FxiOS/", "Firefox"}, {"Firefox/", "Firefox"},
	{"CriOS/", "Chrome"}, {"Chromium/", "Chromium"}, {"HeadlessChrome/", "Chrome"}, {"Chrome/", "Chrome"},
	{"Trident/", "Internet Explorer"}, {"MSIE ", "Internet Explorer"},
	{"Version/", "Safari"}, // Safari says Version/17.1 ... Safari/605
	{"curl/", "curl"}, {"Wget/", "Wget"},
}

// systems are matched in order: iPhones say "like Mac OS X", Android and
// ChromeOS say Linux.
var systems = []struct{ token, name string }{
	{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"iPod", "iPod"},
	{"Android", "Android"},
	{"CrOS", "ChromeOS"},
	{"Windows Phone", "Windows Phone"}, {"Windows", "Windows"},
	{"Macintosh", "macOS"}, {"Mac OS X", "macOS"},
	{"FreeBSD", "FreeBSD"}, {"OpenBSD", "OpenBSD"},
	{"Linux", "Linux"}, {"X11", "Linux"},
}

// DeviceOf reads a User-Agent header. A string that names no known browser
// gives its first product name ("Samen-CLI/1.2" gives "Samen-CLI"), unless
// that is the "Mozilla" every browser starts with.
func DeviceOf(ua string) Device {
	var d Device
	for _, b := range browsers {
		if strings.Contains(ua, b.token) {
			d.Browser = b.name
			break
		}
	}
	if d.Browser == "Safari" && !strings.Contains(ua, "Safari") {
		d.Browser = "" // Version/ alone is not Safari's mark
	}
	for _, s := range systems {
		if strings.Contains(ua, s.token) {
			d.OS = s.name
			break
		}
	}
	if d.Browser == "" {
		product, _, _ := strings.Cut(strings.TrimSpace(ua), " ")
		product, _, _ = strings.Cut(product, "/")
		if product != "Mozilla" && len(product) <= 40 {
			d.Browser = product
		}
	}
	return d
}

// DeviceName is a User-Agent in words in the reader's language: "Chrome on
// Linux", "Firefox op Android"; the browser alone, or "A browser on
// Windows", when one of them is not known; "Unknown device" for neither.
func (t *Translations) DeviceName(l *i18n.Localizer, ua string) string {
	d := DeviceOf(ua)
	switch {
	case d.Browser != "" && d.OS != "":
		return T(l, "device.browser_on_os", "Browser", d.Browser, "OS", d.OS)
	case d.Browser != "":
		return d.Browser
	case d.OS != "":
		return T(l, "device.unknown_browser_on_os", "OS", d.OS)
	}
	return t.T(l, "me.sessions.unknown_device")
}
