package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"samen/app/apptest"
	"samen/models"
	"samen/models/modelstest"
)

// Browser tests drive a real headless Chromium against the whole app served
// on a local port. They are skipped when no Chromium is installed, and fail
// then when SAMEN_TEST_STRICT is set (as in CI).

const (
	// browserTestTimeout bounds a whole browser test, Chromium's start included.
	browserTestTimeout = 60 * time.Second
	// browserStepTimeout bounds one step, so that a selector that never
	// matches fails quickly and says which step it was.
	browserStepTimeout = 15 * time.Second
)

// chromiumCandidates are the browsers newBrowser looks for, in order: Debian's
// package first, then names on PATH.
var chromiumCandidates = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"}

// findChromium returns the path of the first Chromium it finds, or "".
func findChromium() string {
	for _, name := range chromiumCandidates {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile and returns the
// context of its first tab, bounded by browserTestTimeout. The browser is
// closed when the test ends. Start it after apptest's Listen, so that it is
// closed before the server shuts down.
//
// Every JavaScript exception, console.error call and browser log error (a
// Content-Security-Policy violation, a resource that failed to load) in the
// tab fails the test when it ends; warnings are logged.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowserFor(t, browserTestTimeout)
}

// newBrowserFor is newBrowser for a test that runs longer than
// browserTestTimeout, bounded by timeout instead.
func newBrowserFor(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	exe := findChromium()
	if exe == "" {
		modelstest.Skip(t, "browser tests skipped: no Chromium found (apt-get install chromium)")
	}

	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// Pages follow Accept-Language, which Chromium otherwise takes from
		// the machine's locale: pin it so that tests start in English.
		chromedp.Flag("accept-lang", "en-US,en"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	problems := &pageProblems{}
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(problems.record))
	t.Cleanup(func() {
		problems.report(t)
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})

	// Start the browser now, so that a browser that cannot start says so.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return context.WithValue(tab, problemsKey{}, problems)
}

// problemsKey keys a tab's pageProblems in its context.
type problemsKey struct{}

// expectStatus tells the tab's problem report that the page at url answers
// status on purpose (an error page under test), so that the browser's
// "failed to load" log entry for it is no problem.
func expectStatus(tab context.Context, url string, status int) {
	p := tab.Value(problemsKey{}).(*pageProblems)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expected = append(p.expected, fmt.Sprintf("the server responded with a status of %d (%s) (%s)", status, http.StatusText(status), url))
}

// pageProblems collects what went wrong in a tab's pages. record runs on
// chromedp's event loop, so it only appends under the lock.
type pageProblems struct {
	mu       sync.Mutex
	errors   []string
	warnings []string
	expected []string // log entries of pages that fail on purpose
}

// record is a chromedp listener for exceptions, console calls and log entries.
func (p *pageProblems) record(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		p.errors = append(p.errors, "exception: "+exceptionText(ev.ExceptionDetails))
	case *runtime.EventConsoleAPICalled:
		switch ev.Type {
		case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeAssert:
			p.errors = append(p.errors, "console."+string(ev.Type)+": "+argsText(ev.Args))
		case runtime.ConsoleAPICalledTypeWarning:
			p.warnings = append(p.warnings, "console.warn: "+argsText(ev.Args))
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		msg := fmt.Sprintf("%s %s: %s", e.Source, e.Level, e.Text)
		if e.URL != "" {
			msg += " (" + e.URL + ")"
		}
		switch e.Level {
		case log.EntryLevelError:
			if slices.ContainsFunc(p.expected, func(e string) bool { return strings.HasSuffix(msg, e) }) {
				return
			}
			p.errors = append(p.errors, msg)
		case log.EntryLevelWarning:
			p.warnings = append(p.warnings, msg)
		}
	}
}

// report logs the warnings and fails t for each error.
func (p *pageProblems) report(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.warnings {
		t.Logf("browser warning: %s", w)
	}
	for _, e := range p.errors {
		t.Errorf("browser error: %s", e)
	}
}

// exceptionText is an exception's message and where it was thrown.
func exceptionText(d *runtime.ExceptionDetails) string {
	text := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		desc, _, _ := strings.Cut(d.Exception.Description, "\n")
		text += " " + desc
	}
	url, line, col := d.URL, d.LineNumber, d.ColumnNumber
	if url == "" && d.StackTrace != nil && len(d.StackTrace.CallFrames) > 0 {
		f := d.StackTrace.CallFrames[0]
		url, line, col = f.URL, f.LineNumber, f.ColumnNumber
	}
	if url != "" {
		text += fmt.Sprintf(" at %s:%d:%d", url, line+1, col+1)
	}
	return text
}

// argsText joins console arguments roughly as DevTools shows them.
func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		switch {
		case a.Type == runtime.RemoteObjectTypeString:
			parts = append(parts, strings.Trim(string(a.Value), `"`))
		case a.Description != "":
			parts = append(parts, a.Description)
		default:
			parts = append(parts, string(a.Value))
		}
	}
	return strings.Join(parts, " ")
}

// step runs one chromedp action in the tab, bounded by browserStepTimeout, and
// returns its value. It fails the test, naming the step, when the action fails.
func step[T any](t *testing.T, tab context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserStepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// clickAndWait clicks the element the CSS selector finds, waits for the page
// the click leads to and returns its response (after any redirects).
func clickAndWait(t *testing.T, tab context.Context, selector string) *network.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserStepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(selector)))
	if err != nil {
		t.Fatalf("click %s and wait for the next page: %v", selector, err)
	}
	return resp
}

// clickAndSwap clicks the element the CSS selector finds in a form that
// htmx sends, waits until the page's main part is swapped for the answer's,
// and returns the address the tab shows then.
func clickAndSwap(t *testing.T, tab context.Context, selector string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserStepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("main").dataset.before = "1"`)); err != nil {
		t.Fatalf("mark the page before clicking %s: %v", selector, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Click(chromedp.CSS(selector))); err != nil {
		t.Fatalf("click %s: %v", selector, err)
	}
	swapped := `!document.querySelector("#main[data-before]") && !document.querySelector(".htmx-request")`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](swapped)); err != nil {
		t.Fatalf("click %s and wait for the swap: %v", selector, err)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	if err != nil {
		t.Fatalf("read the address after clicking %s: %v", selector, err)
	}
	return href
}

// screenshot saves a full-page PNG of the tab to
// <repo>/artifacts/screenshots/<TestName>-<name>.png and logs the path.
func screenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png := step(t, tab, "screenshot "+name, chromedp.FullScreenshot(100))
	dir, err := filepath.Abs(filepath.Join("..", "artifacts", "screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + "-" + name + ".png"
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// wantPage checks the page's language, heading and pressed language button.
func wantPage(t *testing.T, tab context.Context, lang, heading string) {
	t.Helper()
	if got := step(t, tab, "read html lang", chromedp.AttributeValue(chromedp.CSS("html"), "lang")); got.Value != lang {
		t.Errorf(`<html lang=%q>, want %q`, got.Value, lang)
	}
	if got := step(t, tab, "read heading", chromedp.Text(chromedp.CSS("h1#home-title"))); got != heading {
		t.Errorf("heading %q, want %q", got, heading)
	}
	for _, l := range []string{"en", "nl"} {
		sel := fmt.Sprintf("button[name=lang][value=%s]", l)
		got := step(t, tab, "read "+sel, chromedp.AttributeValue(chromedp.CSS(sel), "aria-pressed"))
		if want := fmt.Sprint(l == lang); got.Value != want {
			t.Errorf("%s aria-pressed=%q, want %q", sel, got.Value, want)
		}
	}
}

// wantAssetsLoaded checks that the stylesheet and htmx loaded under the
// Content-Security-Policy.
func wantAssetsLoaded(t *testing.T, tab context.Context) {
	t.Helper()
	brand := step(t, tab, "read --brand", chromedp.Evaluate[string](
		`getComputedStyle(document.documentElement).getPropertyValue("--brand").trim()`))
	if brand == "" {
		t.Error("the custom property --brand is not set: samen.css did not load")
	}
	bg := step(t, tab, "read header background", chromedp.Evaluate[string](
		`getComputedStyle(document.querySelector(".site-header")).backgroundColor`))
	if bg == "" || bg == "transparent" || bg == "rgba(0, 0, 0, 0)" {
		t.Errorf(".site-header background %q: samen.css did not style it", bg)
	}
	if got := step(t, tab, "read typeof htmx", chromedp.Evaluate[string](`typeof window.htmx`)); got != "object" {
		t.Errorf("typeof window.htmx = %q, want \"object\": htmx did not load", got)
	}
}

// TestBrowserHomeSwitchToDutch: a visitor opens the home page in English,
// presses "Nederlands" and gets the page in Dutch, which it stays in after a
// reload because a cookie remembers the choice.
func TestBrowserHomeSwitchToDutch(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	base := srv.Listen()
	tab := newBrowser(t)

	resp := step(t, tab, "open home", chromedp.NavigateResponse(base+"/"))
	if resp.Status != http.StatusOK {
		t.Fatalf("GET / answered %d", resp.Status)
	}
	wantPage(t, tab, "en", "Shape what Samen makes next")
	wantAssetsLoaded(t, tab)
	screenshot(t, tab, "english")

	// The button POSTs to /lang, which answers 303 back to the page.
	resp = clickAndWait(t, tab, "button[name=lang][value=nl]")
	if resp.Status != http.StatusOK {
		t.Fatalf("the page after switching answered %d", resp.Status)
	}
	wantPage(t, tab, "nl", "Bepaal mee wat Samen hierna maakt")
	wantAssetsLoaded(t, tab)
	screenshot(t, tab, "dutch")

	step(t, tab, "reload", chromedp.Reload())
	wantPage(t, tab, "nl", "Bepaal mee wat Samen hierna maakt")
}
