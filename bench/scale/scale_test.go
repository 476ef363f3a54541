// Package scale is the scale-out harness (make scale): two Samen instances,
// built from this tree, on one PostgreSQL database and one Redis, behind
// HAProxy, and the promises of running several instances checked on them.
// It runs when SAMEN_SCALE is set (CI sets it), with TEST_DATABASE_URL,
// TEST_REDIS_URL and haproxy on the PATH. See docs/scaling.md.
package scale

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/storage/redis/v3"

	"samen/bench/cluster"
	"samen/models"
	"samen/models/modelstest"
)

// redisDB is the Redis database the harness uses, and empties first.
const redisDB = 11

// shutdownTimeout is each instance's SAMEN_SHUTDOWN_TIMEOUT (bench/cluster
// sets it); liveStreams is how many live pages follow an idea during the
// rolling restart.
const (
	shutdownTimeout = 10 * time.Second
	liveStreams     = 8
)

// harness is the running cluster and its database.
type harness struct {
	*cluster.Cluster
	dbURL string
}

func TestScaleOut(t *testing.T) {
	if os.Getenv("SAMEN_SCALE") == "" {
		t.Skip("the scale-out harness runs with make scale (SAMEN_SCALE=1)")
	}
	c := startCluster(t, 2)

	t.Run("a session made on one instance works on the other, and jobs run once", c.sessionsAndJobs)
	t.Run("a vote through one instance is on the other's visitor page at the next request", c.votesInvalidate)
	t.Run("a rolling restart under load answers every request", c.rollingRestart)
}

func startCluster(t *testing.T, n int) *harness {
	dbURL := os.Getenv("TEST_DATABASE_URL")
	redisURL := os.Getenv("TEST_REDIS_URL")
	if dbURL == "" || redisURL == "" {
		t.Fatal("make scale needs TEST_DATABASE_URL, TEST_REDIS_URL and haproxy (apt-get install -y haproxy)")
	}
	redisURL = strings.TrimSuffix(redisURL, "/") + fmt.Sprintf("/%d", redisDB)
	redis.New(redis.Config{URL: redisURL, Reset: true}).Close() // earlier runs' counts go
	h := &harness{dbURL: modelstest.URL(t, models.Postgres)}
	h.Cluster = cluster.Start(t, cluster.Options{DatabaseURL: h.dbURL, RedisURL: redisURL, Instances: n})
	return h
}

// browser is a visitor with cookies (shared by every instance on 127.0.0.1,
// as a browser's behind one address) and the CSRF token of the last page.
type browser struct {
	t      *testing.T
	client *http.Client
	csrf   string
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, client: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

func (b *browser) do(method, u string, form url.Values) (int, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		form.Set("_csrf", b.csrf)
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if m := csrfMeta.FindSubmatch(page); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(page)
}

var linkInLog = regexp.MustCompile(`/auth/email/([A-Za-z0-9_-]{20,})`)

func (c *harness) sessionsAndJobs(t *testing.T) {
	s1, s2 := "http://"+c.Instances[0].Addr, "http://"+c.Instances[1].Addr
	email := fmt.Sprintf("anna-%d@example.com", time.Now().UnixNano())
	b := newBrowser(t)

	// Five sign-in links for one address, asked alternately of both
	// instances: the limit (5 per address) counts them together in Redis.
	for i := range 6 {
		base := []string{s1, s2}[i%2]
		b.do(http.MethodGet, base+"/login", nil)
		status, _ := b.do(http.MethodPost, base+"/auth/email", url.Values{"email": {email}})
		want := http.StatusOK
		if i == 5 {
			want = http.StatusTooManyRequests
		}
		if status != want {
			t.Fatalf("sign-in link %d through instance %d: status %d, want %d", i+1, i%2+1, status, want)
		}
	}

	// Each email job ran once, on one instance or the other: five links.
	links := func() []string {
		var all []string
		for _, in := range c.Instances {
			for _, line := range strings.Split(in.Log.String(), "\n") {
				if strings.Contains(line, email) {
					if m := linkInLog.FindStringSubmatch(line); m != nil {
						all = append(all, m[1])
					}
				}
			}
		}
		return all
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(links()) < 5 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // time enough for a second run of any job
	got := links()
	if len(got) != 5 {
		t.Fatalf("%d sign-in emails written for 5 accepted requests, want exactly 5", len(got))
	}

	// Sign in on instance 2 with a link; the session works on instance 1.
	b.do(http.MethodGet, s2+"/auth/email/"+got[0], nil)
	status, _ := b.do(http.MethodPost, s2+"/auth/email/"+got[0], url.Values{"name": {"Anna"}})
	if status != http.StatusSeeOther {
		t.Fatalf("signing in on instance 2: status %d", status)
	}
	status, body := b.do(http.MethodGet, s1+"/api/v1/me", nil)
	var me struct{ Email string }
	_ = json.Unmarshal([]byte(body), &me)
	if status != http.StatusOK || me.Email != email {
		t.Fatalf("instance 1 with instance 2's session: %d %.200s", status, body)
	}
}

var voteCount = regexp.MustCompile(`class="vote-count"[^>]*>(\d+)<`)

func (c *harness) votesInvalidate(t *testing.T) {
	s1, s2 := "http://"+c.Instances[0].Addr, "http://"+c.Instances[1].Addr
	c.Run("user", "create", "--email", "author@example.com", "--name", "Author")
	c.Run("user", "create", "--email", "voter@example.com", "--name", "Voter")
	author := c.Run("token", "create", "--email", "author@example.com")
	token := c.Run("token", "create", "--email", "voter@example.com")
	id, slug := apiIdea(t, s1, author, "Lights that charge from the dynamo")
	page := fmt.Sprintf("%s/ideas/%d/%s", s2, id, slug)
	count := func() string {
		status, body := newBrowser(t).do(http.MethodGet, page, nil)
		m := voteCount.FindStringSubmatch(body)
		if status != http.StatusOK || m == nil {
			t.Fatalf("%s: status %d, no vote count", page, status)
		}
		return m[1]
	}
	// The jobs every start runs once write on whichever instance works
	// them, which empties that instance's cache by itself: let them finish
	// first, so that only the invalidation can make instance 2 see the vote.
	db := modelstest.Reopen(t, c.dbURL).DB()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var pending int
		err := db.QueryRow(`SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&pending)
		var done int
		if err == nil {
			err = db.QueryRow(`SELECT count(DISTINCT kind) FROM river_job WHERE kind IN ('cleanup_expired', 'prune_notifications') AND state = 'completed'`).Scan(&done)
		}
		if err == nil && pending == 0 && done == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the start-up jobs did not finish: %d pending, %d of 2 done, %v", pending, done, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	rendered := time.Now()
	first, second := count(), count() // the second from instance 2's cache
	if first != "1" || second != "1" {
		t.Fatal("a new idea should have its author's vote")
	}
	if status := api(t, http.MethodPost, fmt.Sprintf("%s/api/v1/ideas/%d/vote", s1, id), token, ""); status != http.StatusOK {
		t.Fatalf("vote through instance 1: %d", status)
	}
	// The notice goes through PostgreSQL after the commit: a moment, far
	// less than the 2 s instance 2 would otherwise keep its page. An answer
	// that arrived within 2 s of the render cannot come from an expired page.
	for {
		got := count()
		if time.Since(rendered) >= 2*time.Second {
			t.Fatal("instance 2 served its cached page after a vote through instance 1: no invalidation")
		}
		if got == "2" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func apiIdea(t *testing.T, base, token, title string) (int64, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/ideas", strings.NewReader(`{"title":"`+title+`","body":"As asked in the shop."}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var idea struct {
		ID   int64
		Slug string
	}
	if err := json.NewDecoder(resp.Body).Decode(&idea); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create idea: %d %v", resp.StatusCode, err)
	}
	return idea.ID, idea.Slug
}

func api(t *testing.T, method, u, token, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// rollingRestart runs a steady load through HAProxy, page views and votes on
// keep-alive connections, while each instance in turn is stopped with
// SIGTERM and started again. Every request must get a 2xx.
func (c *harness) rollingRestart(t *testing.T) {
	var tokens []string
	for i := range 2 {
		email := fmt.Sprintf("load%d@example.com", i)
		c.Run("user", "create", "--email", email, "--name", fmt.Sprintf("Load %d", i))
		tokens = append(tokens, c.Run("token", "create", "--email", email))
	}
	lb := "http://" + c.LB
	id, slug := apiIdea(t, lb, tokens[0], "A bell that people hear")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ok, bad, failed atomic.Int64
	var mu sync.Mutex
	var problems []string
	note := func(s string) {
		mu.Lock()
		if len(problems) < 20 {
			problems = append(problems, s)
		}
		mu.Unlock()
	}
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 15 * time.Second}
	worker := func(next func() *http.Request) {
		defer wg.Done()
		for ctx.Err() == nil {
			req := next()
			resp, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				note(req.Method + " " + req.URL.Path + ": " + err.Error())
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				ok.Add(1)
			} else {
				bad.Add(1)
				note(fmt.Sprintf("%s %s: %d", req.Method, req.URL.Path, resp.StatusCode))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, path := range []string{"/", fmt.Sprintf("/ideas/%d/%s", id, slug), "/roadmap", "/api/v1/ideas"} {
		wg.Add(1)
		go worker(func() *http.Request { req, _ := http.NewRequest(http.MethodGet, lb+path, nil); return req })
	}
	for _, token := range tokens {
		vote := false
		wg.Add(1)
		go worker(func() *http.Request {
			vote = !vote
			method := http.MethodDelete
			if vote {
				method = http.MethodPost
			}
			req, _ := http.NewRequest(method, fmt.Sprintf("%s/api/v1/ideas/%d/vote", lb, id), nil)
			req.Header.Set("Authorization", "Bearer "+token)
			return req
		})
	}

	// Pages follow the idea live through HAProxy, and reconnect when their
	// stream ends, as EventSource does: a stop must end them at once, not
	// wait for them until its timeout, and a reconnect must be answered.
	var streams, voteEvents atomic.Int64
	streamClient := &http.Client{Transport: &http.Transport{}}
	for range liveStreams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/live?idea=%d", lb, id), nil)
				resp, err := streamClient.Do(req)
				switch {
				case ctx.Err() != nil:
					return
				case err != nil:
					failed.Add(1)
					note("GET /live: " + err.Error())
					continue
				case resp.StatusCode != http.StatusOK:
					resp.Body.Close()
					bad.Add(1)
					note(fmt.Sprintf("GET /live: %d", resp.StatusCode))
					continue
				}
				streams.Add(1)
				lines := bufio.NewScanner(resp.Body)
				for lines.Scan() {
					if lines.Text() == "event: votes" {
						voteEvents.Add(1)
					}
				}
				resp.Body.Close()
				time.Sleep(200 * time.Millisecond) // EventSource's wait before it reconnects
			}
		}()
	}

	start := time.Now()
	time.Sleep(2 * time.Second)
	for _, in := range c.Instances {
		stopping := time.Now()
		c.Stop(in)
		stopped := time.Since(stopping)
		t.Logf("%s stopped in %v with live streams open", in.Name, stopped.Round(time.Millisecond))
		if stopped >= shutdownTimeout {
			t.Errorf("%s took %v to stop: open live streams held it until its shutdown timeout (%v)", in.Name, stopped, shutdownTimeout)
		}
		c.StartInstance(in)
		c.WaitReady(in)
		time.Sleep(2 * time.Second) // HAProxy takes it back, and the load runs on both
	}
	for time.Since(start) < 20*time.Second {
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	t.Logf("rolling restart of %d instances in %v: %d answered 2xx, %d other statuses, %d connection errors",
		len(c.Instances), time.Since(start).Round(time.Second), ok.Load(), bad.Load(), failed.Load())
	t.Logf("%d live pages opened %d streams and read %d vote events", liveStreams, streams.Load(), voteEvents.Load())
	if streams.Load() <= liveStreams || voteEvents.Load() == 0 {
		t.Errorf("the live pages opened %d streams (want more than %d: those on a stopped instance reconnect) and read %d vote events",
			streams.Load(), liveStreams, voteEvents.Load())
	}
	if bad.Load() > 0 || failed.Load() > 0 || ok.Load() == 0 {
		t.Fatalf("clients saw %d non-2xx answers and %d connection errors:\n%s", bad.Load(), failed.Load(), strings.Join(problems, "\n"))
	}
}
