// Package bench measures Samen's request path. `make bench-micro` runs these benchmarks;
// the figures and how they were taken are in docs/benchmarks.md.
package bench

import (
	"context"
	"io"
	"net/http"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// serve starts Samen on SQLite with rate limits off and returns its URL and a
// keep-alive client.
func serve(b *testing.B) (string, *http.Client) {
	b.Helper()
	srv := apptest.New(b, models.SQLite, "SAMEN_RATE_LIMITS=off", "SAMEN_ENV=production", "SAMEN_MAIL_LOG=allow-insecure")
	return srv.Listen(), keepAlive(b)
}

// keepAlive is a client on keep-alive connections, closed before the server stops.
func keepAlive(b *testing.B) *http.Client {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.Cleanup(client.CloseIdleConnections)
	return client
}

func get(b *testing.B, client *http.Client, url string) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	do(b, client, req)
}

// do sends req, reads its answer and fails unless it is 200.
func do(b *testing.B, client *http.Client, req *http.Request) {
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d", req.URL, resp.StatusCode)
	}
}

func benchmarkPath(b *testing.B, path string) {
	base, client := serve(b)
	get(b, client, base+path)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, client, base+path)
		}
	})
}

// BenchmarkHealthz is the baseline: the same server and middleware with the
// cheapest handler there is.
func BenchmarkHealthz(b *testing.B) { benchmarkPath(b, "/healthz") }

// BenchmarkHomePage renders the home page for a visitor: session lookup,
// CSRF token, locale, templates and gzip (Go's client asks for it).
func BenchmarkHomePage(b *testing.B) { benchmarkPath(b, "/") }

// BenchmarkStaticCSS serves the fingerprinted stylesheet from memory.
func BenchmarkStaticCSS(b *testing.B) { benchmarkPath(b, "/static/css/samen.css") }

// BenchmarkHomePageSignedIn serves the home page of the demo community to
// a member: "shared" from the render shared by members with the member's
// own parts put in, "rendered" with SAMEN_PAGE_CACHE=off, so every request
// runs the queries and the templates. `go test -cpuprofile` on the latter
// shows where an uncached page's time goes (docs/benchmarks.md).
func BenchmarkHomePageSignedIn(b *testing.B) {
	for _, pageCache := range []string{"on", "off"} {
		name := map[string]string{"on": "shared", "off": "rendered"}[pageCache]
		b.Run(name, func(b *testing.B) { benchmarkMemberHome(b, pageCache) })
	}
}

func benchmarkMemberHome(b *testing.B, pageCache string) {
	srv := apptest.New(b, models.SQLite, "SAMEN_RATE_LIMITS=off", "SAMEN_ENV=production", "SAMEN_MAIL_LOG=allow-insecure",
		"SAMEN_PAGE_CACHE="+pageCache)
	ctx := context.Background()
	if _, err := srv.Store.SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	member, err := srv.Store.UserByEmail(ctx, "sophie@demo.example")
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := srv.Store.CreateSession(ctx, member.ID, "bench", "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	client := keepAlive(b)
	fetch := func() {
		req, _ := http.NewRequest(http.MethodGet, srv.Listen()+"/", nil)
		req.AddCookie(&http.Cookie{Name: "samen_session", Value: token})
		do(b, client, req)
	}
	fetch()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			fetch()
		}
	})
}
