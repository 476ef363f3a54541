// Command homesize measures what a first visit to the home page costs: a
// branded community (logo, favicon, accent, welcome text, footer links,
// custom CSS) on the demo data, the page and everything it links that a
// browser fetches at once (stylesheets, scripts, images, the favicon), each
// as sent with "Accept-Encoding: gzip". It writes the figures into
// docs/benchmarks.md (BENCH_DOCS) between its markers and fails when the
// total is 50 KB or more.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"samen/app"
	"samen/bench/docsection"
	"samen/models"
)

// budget is the most a first visit of the home page may transfer.
const budget = 50 * 1000

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "homesize:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "samen-homesize-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	cfg, err := app.LoadConfig([]string{"SAMEN_ENV=development", "SAMEN_BASE_URL=" + base, "SAMEN_RATE_LIMITS=off"})
	if err != nil {
		return err
	}
	log := slog.New(slog.DiscardHandler)
	store, err := models.Open(ctx, "sqlite:"+filepath.Join(dir, "samen.db"), models.Options{Logger: log, BaseURL: base})
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	if _, err := store.SeedDemo(ctx); err != nil {
		return err
	}
	if _, err := store.SaveBranding(ctx, nil, brand()); err != nil {
		return fmt.Errorf("save branding: %w", err)
	}
	srv, err := app.NewServer(cfg, store, log)
	if err != nil {
		return err
	}
	go func() { _ = srv.Listener(ln) }()
	defer func() { _ = srv.ShutdownWithTimeout(5 * time.Second) }()

	var rows []visit
	for _, theme := range []string{"", "dark"} {
		v, err := firstVisit(base, theme)
		if err != nil {
			return err
		}
		rows = append(rows, v)
	}
	section := report(rows)
	fmt.Print(section)
	if err := docsection.Write(envOr("BENCH_DOCS", "docs/benchmarks.md"), sectionBegin, sectionEnd, section); err != nil {
		return err
	}
	for _, v := range rows {
		if v.total() >= budget {
			return fmt.Errorf("a first visit of the home page (%s) transfers %d bytes gzipped: over the budget of %d", v.theme(), v.total(), budget)
		}
	}
	return nil
}

// brand is a community's branding as an admin would fill it in.
func brand() models.BrandingInput {
	return models.BrandingInput{
		Name:   "Fietsclub Noord",
		Accent: "#0b4f3a",
		WelcomeEN: "**Welcome, riders!** Tell us what would make your bike, our shops and our app better. " +
			"Vote for the ideas you want most, and follow them: we answer every idea that gets votes.\n\n" +
			"Read [how we decide](https://example.com/how-we-decide) before you post.",
		WelcomeNL: "**Welkom, fietsers!** Vertel ons wat je fiets, onze winkels en onze app beter maakt. " +
			"Stem op de ideeën die je het liefst ziet en volg ze: we beantwoorden elk idee dat stemmen krijgt.",
		PrivacyURL: "https://example.com/privacy", TermsURL: "https://example.com/terms", SiteURL: "https://example.com/",
		CustomCSS: ".hero { border-top: 4px solid var(--brand); }\n.site-header { border-bottom-width: 2px; }\n" +
			".brand span { letter-spacing: .02em; }\n.steps li { border-radius: 4px; }\n",
		Logo:    logo(),
		Favicon: logo(),
	}
}

// logo is a 600x150 picture with gradients and shapes: more to compress
// than a flat logo.
func logo() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 600, 150))
	for y := range 150 {
		for x := range 600 {
			c := color.NRGBA{R: uint8(11 + x/5), G: uint8(79 + y/3), B: 58, A: 255}
			if math.Hypot(float64(x-75), float64(y-75)) < 60 {
				c = color.NRGBA{R: 242, G: 165, B: 65, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// resource is one response of a first visit.
type resource struct {
	url, kind    string
	sent, plain  int
	contentCoded string
}

type visit struct {
	themeCookie string
	resources   []resource
}

func (v visit) total() (n int) {
	for _, r := range v.resources {
		n += r.sent
	}
	return n
}

func (v visit) theme() string {
	if v.themeCookie == "" {
		return "first visit, theme from the system"
	}
	return "theme " + v.themeCookie + " chosen"
}

// firstVisit fetches the home page as a browser with an empty cache does,
// then what it links that renders the first screen.
func firstVisit(base, theme string) (visit, error) {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}
	v := visit{themeCookie: theme}
	get := func(path, kind string) ([]byte, error) {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept-Encoding", "gzip")
		if theme != "" {
			req.AddCookie(&http.Cookie{Name: "samen_theme", Value: theme})
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		sent, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		plain := sent
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(sent))
			if err != nil {
				return nil, err
			}
			if plain, err = io.ReadAll(zr); err != nil {
				return nil, err
			}
		}
		v.resources = append(v.resources, resource{url: path, kind: kind, sent: len(sent), plain: len(plain), contentCoded: resp.Header.Get("Content-Encoding")})
		return plain, nil
	}
	page, err := get("/", "HTML")
	if err != nil {
		return v, err
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
	if err != nil {
		return v, err
	}
	var links []struct{ path, kind string }
	doc.Find(`link[rel="stylesheet"]`).Each(func(_ int, s *goquery.Selection) {
		links = append(links, struct{ path, kind string }{s.AttrOr("href", ""), "CSS"})
	})
	doc.Find(`script[src]`).Each(func(_ int, s *goquery.Selection) {
		links = append(links, struct{ path, kind string }{s.AttrOr("src", ""), "JS"})
	})
	doc.Find(`link[rel="icon"]`).Each(func(_ int, s *goquery.Selection) {
		links = append(links, struct{ path, kind string }{s.AttrOr("href", ""), "favicon"})
	})
	doc.Find(`img[src]`).Each(func(_ int, s *goquery.Selection) {
		if src := s.AttrOr("src", ""); strings.HasPrefix(src, "/") {
			links = append(links, struct{ path, kind string }{src, "image"})
		}
	})
	for _, l := range links {
		if _, err := get(l.path, l.kind); err != nil {
			return v, err
		}
	}
	return v, nil
}

func report(rows []visit) string {
	var b strings.Builder
	b.WriteString("## Home page size, first visit\n\n")
	fmt.Fprintf(&b, "Command: `make bench-homesize` (part of `make bench`), %s, %s/%s, on %s. ", runtime.Version(), runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02"))
	b.WriteString("The demo community (`samen seed --demo`) with branding: a name, a 600x150 logo and favicon (re-encoded by Samen), " +
		"an accent colour, a welcome text, three footer links and a few lines of custom CSS. bench/homesize fetches `/` as a browser " +
		"with an empty cache (`Accept-Encoding: gzip`), then every stylesheet, script, favicon and image the page links, and adds up " +
		"the bytes sent. Budget: under 50 KB (50,000 bytes); the program fails above it.\n\n")
	for _, v := range rows {
		fmt.Fprintf(&b, "### %s: %s bytes sent\n\n", v.theme(), thousands(v.total()))
		b.WriteString("| what | address | bytes sent | encoding | bytes unpacked |\n|---|---|--:|---|--:|\n")
		for _, r := range v.resources {
			enc := r.contentCoded
			if enc == "" {
				enc = "none"
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", r.kind, r.url, thousands(r.sent), enc, thousands(r.plain))
		}
		fmt.Fprintf(&b, "| **total** | | **%s** | | |\n\n", thousands(v.total()))
	}
	return b.String()
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

const (
	sectionBegin = "<!-- make bench home-size: begin (written by bench/homesize; the next run replaces everything up to the end marker) -->"
	sectionEnd   = "<!-- make bench home-size: end -->"
)
