// Command fanout measures closing the loop at scale: the team moves an idea
// that BENCH_FOLLOWERS members (10,000) follow, each wanting an instant
// email of it. It measures how long the status change's request takes
// beside the same change on an idea nobody follows, and how long until
// every notification row exists and every email reached an SMTP sink on
// 127.0.0.1. The figures go into docs/benchmarks.md.
//
// It runs the samen binary against a database of its own on the PostgreSQL
// server of DATABASE_URL (made anew, dropped at the end), with SAMEN_MAIL_DELAY=0s.
//
//	BENCH_FOLLOWERS   members following the idea (10000)
//	BENCH_FANOUT_RUNS status changes on the followed idea (3); the idea nobody
//	                  follows gets 10 times as many
//	BENCH_DOCS        the file whose section is replaced (docs/benchmarks.md); "-" for none
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"samen/bench/docsection"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "bench/fanout:", err)
		os.Exit(1)
	}
}

type settings struct {
	serverURL string // DATABASE_URL: the PostgreSQL server
	followers int
	runs      int
	docs      string
}

func readSettings() (settings, error) {
	s := settings{
		serverURL: envOr("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		docs:      envOr("BENCH_DOCS", "docs/benchmarks.md"),
	}
	for _, v := range []struct {
		name string
		dst  *int
		def  int
	}{{"BENCH_FOLLOWERS", &s.followers, 10000}, {"BENCH_FANOUT_RUNS", &s.runs, 3}} {
		n, err := strconv.Atoi(envOr(v.name, strconv.Itoa(v.def)))
		if err != nil || n < 1 {
			return s, fmt.Errorf("%s: must be a whole number of at least 1", v.name)
		}
		*v.dst = n
	}
	if !strings.HasPrefix(s.serverURL, "postgres") {
		return s, errors.New("DATABASE_URL: must name a PostgreSQL server (postgres://...)")
	}
	return s, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05")+" "+format+"\n", args...)
}

// sink is an SMTP server that counts the messages each recipient gets.
type sink struct {
	mu     sync.Mutex
	total  int
	byRcpt map[string]int
	bytes  int64
}

func (k *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: k}, nil }

type sinkSession struct {
	sink *sink
	rcpt []string
}

func (s *sinkSession) Reset()                               { s.rcpt = nil }
func (s *sinkSession) Logout() error                        { return nil }
func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpt = append(s.rcpt, to)
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	for _, to := range s.rcpt {
		s.sink.total++
		s.sink.byRcpt[to]++
	}
	s.sink.bytes += n
	return nil
}

// tally counts, over every follower, the emails that did not arrive and
// those that arrived more than once, for runs status changes.
func (k *sink) tally(followers, runs int) (lost, duplicates int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for n := 1; n <= followers; n++ {
		got := k.byRcpt[fmt.Sprintf("follower%d@bench.example", n)]
		lost += max(0, runs-got)
		duplicates += max(0, got-runs)
	}
	return lost, duplicates
}

func (k *sink) counts() (total, people int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.total, len(k.byRcpt)
}

// result is one status change on the followed idea.
type result struct {
	request       time.Duration
	baseline      time.Duration // the median of the same request on the quiet idea just before
	notifications time.Duration // until every follower's notification row exists
	emails        time.Duration // until every follower's email reached the sink
}

func run(ctx context.Context) error {
	cfg, err := readSettings()
	if err != nil {
		return err
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return errors.New("run it from the repository's root: make bench-fanout")
	}
	out := filepath.Join(root, "bench", "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(out, "samen")
	logf("building samen")
	if b, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, b)
	}

	dbURL, drop, err := freshDatabase(ctx, cfg.serverURL, "samen_bench_fanout")
	if err != nil {
		return err
	}
	defer drop()
	k := &sink{byRcpt: map[string]int{}}
	smtpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	smtpServer := smtp.NewServer(k)
	smtpServer.Domain = "localhost"
	go func() { _ = smtpServer.Serve(smtpLn) }()
	defer smtpServer.Close()

	port, err := freePort()
	if err != nil {
		return err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	env := append(os.Environ(), "DATABASE_URL="+dbURL, "SAMEN_ADDR=127.0.0.1:"+strconv.Itoa(port), "SAMEN_BASE_URL="+base,
		"SAMEN_SMTP_URL=smtp://"+smtpLn.Addr().String(), "SAMEN_MAIL_FROM=samen@bench.example", "SAMEN_MAIL_DELAY=0s",
		"SAMEN_RATE_LIMITS=off", "SAMEN_ENV=development")
	tool := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env
		b, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("samen %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		return string(b), nil
	}
	if _, err := tool("migrate"); err != nil {
		return err
	}
	if _, err := tool("user", "create", "--email", "tess@bench.example", "--name", "Tess", "--role", "admin"); err != nil {
		return err
	}
	tokenOut, err := tool("token", "create", "--email", "tess@bench.example", "--name", "bench")
	if err != nil {
		return err
	}
	token := lastField(tokenOut)

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()

	serverLog, err := os.Create(filepath.Join(out, "fanout-samen.log"))
	if err != nil {
		return err
	}
	defer serverLog.Close()
	server := exec.CommandContext(ctx, bin, "serve")
	server.Env, server.Stdout, server.Stderr = env, serverLog, serverLog
	server.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := server.Start(); err != nil {
		return err
	}
	defer func() {
		_ = server.Process.Signal(syscall.SIGTERM)
		_ = server.Wait()
	}()
	if err := waitReady(ctx, base+"/readyz"); err != nil {
		return err
	}
	api := &client{base: base, token: token}
	followed, err := api.newIdea(ctx, "Swappable battery for long rides")
	if err != nil {
		return err
	}
	quiet, err := api.newIdea(ctx, "A bell that sounds like a bell")
	if err != nil {
		return err
	}

	logf("making %d members who follow idea %d and want its status changes by email at once", cfg.followers, followed)
	seeded := time.Now()
	_, err = db.ExecContext(ctx, `INSERT INTO users (name, email, email_verified, role, created_at, updated_at, email_prefs)
		SELECT 'Follower ' || g, 'follower' || g || '@bench.example', TRUE, 'member', now(), now(), '{"status_changed":"instant"}'
		FROM generate_series(1, $1) g`, cfg.followers)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO subscriptions (idea_id, user_id, following, created_at)
		SELECT $1, id, TRUE, now() FROM users WHERE email LIKE 'follower%@bench.example'`, followed)
	if err != nil {
		return err
	}
	logf("seeded in %s", time.Since(seeded).Round(time.Millisecond))

	statuses := []string{"planned", "in-progress", "shipped", "open"}
	var quietTimes []time.Duration
	var results []result
	for i := range cfg.runs {
		// The baseline in the state this run starts from: after the last
		// run's fan-out, whose rows and jobs the database now holds.
		var baseline []time.Duration
		for j := range 10 {
			d, err := api.setStatus(ctx, quiet, statuses[j%len(statuses)])
			if err != nil {
				return err
			}
			baseline = append(baseline, d)
		}
		quietTimes = append(quietTimes, baseline...)
		var before int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM notifications").Scan(&before); err != nil {
			return err
		}
		sentBefore, _ := k.counts()
		start := time.Now()
		d, err := api.setStatus(ctx, followed, statuses[i%len(statuses)])
		if err != nil {
			return err
		}
		r := result{request: d, baseline: median(baseline)}
		deadline := start.Add(10 * time.Minute)
		for r.notifications == 0 || r.emails == 0 {
			if time.Now().After(deadline) {
				return fmt.Errorf("run %d: not every follower heard within 10 minutes", i+1)
			}
			time.Sleep(20 * time.Millisecond)
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM notifications").Scan(&n); err != nil {
				return err
			}
			if r.notifications == 0 && n-before >= cfg.followers {
				r.notifications = time.Since(start)
			}
			if sent, _ := k.counts(); r.emails == 0 && sent-sentBefore >= cfg.followers {
				r.emails = time.Since(start)
			}
		}
		logf("run %d: request %s, notifications %s, emails %s", i+1, r.request.Round(time.Microsecond),
			r.notifications.Round(time.Millisecond), r.emails.Round(time.Millisecond))
		results = append(results, r)
	}
	lost, dups := k.tally(cfg.followers, cfg.runs)
	section := report(cfg, quietTimes, results, lost, dups)
	fmt.Println(section)
	if cfg.docs == "-" {
		return nil
	}
	return docsection.Write(filepath.Join(root, cfg.docs), sectionBegin, sectionEnd, section)
}

// freshDatabase makes an empty database on the server of serverURL and
// returns its URL and a function that drops it.
func freshDatabase(ctx context.Context, serverURL, name string) (string, func(), error) {
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return "", nil, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = admin.Close()
	}, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitReady(ctx context.Context, u string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer 200 within 30s", u)
}

func lastField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// client speaks Samen's JSON API with an admin's token.
type client struct {
	base, token string
}

func (c *client) do(ctx context.Context, method, path string, body any, out any) (time.Duration, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	elapsed := time.Since(start)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode >= 300 {
		return 0, fmt.Errorf("%s %s: %s %s", method, path, resp.Status, data)
	}
	if out != nil {
		return elapsed, json.Unmarshal(data, out)
	}
	return elapsed, nil
}

func (c *client) newIdea(ctx context.Context, title string) (int64, error) {
	var idea struct {
		ID int64 `json:"id"`
	}
	_, err := c.do(ctx, http.MethodPost, "/api/v1/ideas", map[string]string{"title": title, "body": "Measured by bench/fanout."}, &idea)
	return idea.ID, err
}

func (c *client) setStatus(ctx context.Context, id int64, status string) (time.Duration, error) {
	return c.do(ctx, http.MethodPut, fmt.Sprintf("/api/v1/ideas/%d/status", id),
		map[string]string{"status": status, "note": "Measured by bench/fanout."}, nil)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}

func report(cfg settings, quiet []time.Duration, runs []result, lost, duplicates int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Fan-out to %d followers\n\n", cfg.followers)
	fmt.Fprintf(&b, "Command: `make bench-fanout` (part of `make bench`), %s, %d cores, %s/%s, PostgreSQL, on %s.\n",
		runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "An admin moves an idea that %d members follow, each wanting its status changes by instant email "+
		"(`SAMEN_MAIL_DELAY=0s`); the SMTP sink is in the bench's process on 127.0.0.1. The baseline is the same "+
		"request on an idea nobody follows, 10 times right before each run (the database holds the earlier runs' rows and jobs "+
		"by then), %d times in all.\n\n", cfg.followers, len(quiet))
	b.WriteString("| | status change request | baseline just before (median of 10) | every notification row | every email at the sink |\n|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| nobody follows (median of %d) | %s | | | |\n", len(quiet), ms(median(quiet)))
	for i, r := range runs {
		fmt.Fprintf(&b, "| %d followers, run %d | %s (%.2fx) | %s | %s | %s |\n", cfg.followers, i+1, ms(r.request),
			float64(r.request)/float64(r.baseline), ms(r.baseline), ms(r.notifications), ms(r.emails))
	}
	fmt.Fprintf(&b, "\nEmails lost: %d; duplicates: %d (each follower should get one email per run).\n", lost, duplicates)
	return b.String()
}

const (
	sectionBegin = "<!-- make bench fanout: begin (written by bench/fanout; the next run replaces everything up to the end marker) -->"
	sectionEnd   = "<!-- make bench fanout: end -->"
)
