// Package faults is the fault harness (make faults): two Samen instances
// behind HAProxy, on a PostgreSQL, a Redis, an SMTP server and a webhook
// receiver of the harness's own, under a steady load of page views, votes
// and comments, while one fault after another strikes: PostgreSQL
// restarts, Redis stops for 30 s, an instance is killed, SMTP refuses
// connections, the webhook receiver hangs. Each fault's figures go to
// docs/reliability.md; the run fails if an acknowledged write is lost, a
// counter is off, an answer is a 500 (or a 503 without Retry-After), a job
// is lost or a request hangs. It runs when SAMEN_FAULTS is set.
package faults

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"samen/bench/cluster"
	"samen/bench/docsection"
	"samen/models/modelstest"
)

// retryAfter503 is HAProxy's answer while no instance is ready (both say
// the database is unreachable): a 503 that says when to come back, as
// Samen's own do.
const retryAfter503 = "HTTP/1.0 503 Service Unavailable\r\n" +
	"Cache-Control: no-cache\r\nConnection: close\r\nContent-Type: application/json\r\nRetry-After: 5\r\n\r\n" +
	`{"error":{"code":"unavailable","message":"Temporarily unavailable."}}` + "\n"

// harness is everything the faults strike and the audit reads.
type harness struct {
	t        *testing.T
	c        *cluster.Cluster
	pg       *postgres
	redis    *redisServer
	smtp     *modelstest.SMTPSink
	hooks    *receiver
	db       *sql.DB
	load     *load
	members  map[string]int64 // load member's token -> user id
	ideas    []int64
	parents  map[int64]int64 // idea -> the author's comment the load replies to
	author   int64
	lostJobs int64 // jobs given up for good so far, counted at each audit
	twice    int   // comments stored twice, so far
}

// fault is one thing that goes wrong, and how it is put right.
type fault struct {
	name   string
	does   string
	strike func(h *harness)
	hold   time.Duration
	heal   func(h *harness)
}

var allFaults = []fault{
	{
		name:   "PostgreSQL restarts",
		does:   "`pg_ctl stop -m fast` (every session ended, connections refused), 5 s down, `pg_ctl start`",
		strike: func(h *harness) { h.pg.stop() }, hold: 5 * time.Second,
		heal: func(h *harness) { h.pg.start() },
	},
	{
		name:   "Redis stops for 30 s",
		does:   "redis-server ended with SIGTERM, started again on the same port 30 s later (empty: no persistence)",
		strike: func(h *harness) { h.redis.stop() }, hold: 30 * time.Second,
		heal: func(h *harness) { h.redis.start() },
	},
	{
		name:   "An instance is killed",
		does:   "SIGKILL to instance 1 in the middle of the load, started again 5 s later",
		strike: func(h *harness) { h.c.Kill(h.c.Instances[0]) }, hold: 5 * time.Second,
		heal: func(h *harness) { h.c.StartInstance(h.c.Instances[0]); h.c.WaitReady(h.c.Instances[0]) },
	},
	{
		name: "SMTP refuses connections",
		does: "the mail server stops listening for 15 s: every connection refused",
		strike: func(h *harness) {
			if err := h.smtp.Refusing(true); err != nil {
				h.t.Fatal(err)
			}
		},
		hold: 15 * time.Second,
		heal: func(h *harness) {
			if err := h.smtp.Refusing(false); err != nil {
				h.t.Fatal(err)
			}
		},
	},
	{
		name:   "Webhook receiver hangs",
		does:   "for 30 s the receiver takes each delivery and never answers: every attempt runs into Samen's 10 s timeout",
		strike: func(h *harness) { h.hooks.hang(true) }, hold: 30 * time.Second,
		heal: func(h *harness) { h.hooks.hang(false) },
	},
}

// figures are one fault's measurements.
type figures struct {
	fault             fault
	served            int
	byStatus          map[int]int
	retryAfter        int // 503s with Retry-After
	noAnswer, hung    int
	maxLatency        time.Duration
	recovery          time.Duration
	lost, countersOff int
	twice             int
	jobsLost          int
	emails, hooks     int
	late              string // how far behind Samen still was when the wait for it ended
	notes             []string
}

func TestFaults(t *testing.T) {
	if os.Getenv("SAMEN_FAULTS") == "" {
		t.Skip("the fault harness runs with make faults (SAMEN_FAULTS=1)")
	}
	started := time.Now()
	h := &harness{t: t, pg: startPostgres(t), redis: startRedis(t), smtp: modelstest.NewSMTPSink(t), hooks: startReceiver(t)}
	var err error
	if h.db, err = sql.Open("pgx", h.pg.URL()); err != nil {
		t.Fatal(err)
	}
	defer h.db.Close()
	errorFile := t.TempDir() + "/503.http"
	if err := os.WriteFile(errorFile, []byte(retryAfter503), 0o600); err != nil {
		t.Fatal(err)
	}
	h.c = cluster.Start(t, cluster.Options{
		DatabaseURL: h.pg.URL(), RedisURL: h.redis.URL(), Instances: 2,
		Env: []string{
			"SAMEN_SMTP_URL=" + h.smtp.URL, "SAMEN_MAIL_FROM=ideas@example.com",
			"SAMEN_WEBHOOK_ALLOW_PRIVATE=true", "SAMEN_WEBHOOK_RETRY_BASE=1s",
			"SAMEN_JOB_TIMEOUT=15s",
		},
		HAProxyDefaults: "    errorfile 503 " + errorFile,
	})
	h.setUp()

	ctx, cancel := context.WithCancel(context.Background())
	idea := h.ideas[0]
	var slug string
	_ = h.db.QueryRow(`SELECT slug FROM ideas WHERE id = $1`, idea).Scan(&slug)
	var voters, commenters []string
	for token := range h.members {
		if len(voters) < 4 {
			voters = append(voters, token)
		} else {
			commenters = append(commenters, token)
		}
	}
	h.load = newLoad(h.c.LB)
	wait := h.load.run(ctx, []string{"/", fmt.Sprintf("/ideas/%d/%s", idea, slug), "/api/v1/ideas", "/roadmap"},
		voters, commenters, h.ideas, h.parents)
	var all []figures
	for _, f := range allFaults {
		all = append(all, h.run(f))
	}
	cancel()
	wait()
	// What the last fault's window left in flight: done now, or lost.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && (h.pending() != 0 || len(h.undelivered()) != 0 || h.unmailed() != 0) {
		time.Sleep(500 * time.Millisecond)
	}
	h.settle(&all[len(all)-1])

	report := table(all)
	t.Logf("faults under load, %v in all:\n%s", time.Since(started).Round(time.Second), report)
	section := fmt.Sprintf("Measured %s on %s, two instances behind HAProxy, %v in all:\n\n%s",
		time.Now().UTC().Format("2006-01-02"), machine(), time.Since(started).Round(time.Second), report)
	if err := docsection.Write("../../docs/reliability.md", "<!-- faults:begin -->", "<!-- faults:end -->", section); err != nil {
		t.Error(err)
	}
	for _, f := range all {
		for _, n := range f.notes {
			t.Errorf("%s: %s", f.fault.name, n)
		}
	}
}

// setUp makes the community the load works on: an author with ideas and a
// comment on each (who hears of every reply to it by email), moderators who vote and comment (the
// hourly brakes do not hold them back), and an admin's webhook on comments.
func (h *harness) setUp() {
	c := h.c
	c.Run("user", "create", "--email", "admin@example.com", "--name", "Admin", "--role", "admin")
	admin := c.Run("token", "create", "--email", "admin@example.com")
	authorID := c.Run("user", "create", "--email", "author@example.com", "--name", "Author")
	if _, err := fmt.Sscan(authorID, &h.author); err != nil {
		h.t.Fatalf("user create printed %q, not an id", authorID)
	}
	author := c.Run("token", "create", "--email", "author@example.com")
	h.members = map[string]int64{}
	for i := range 6 {
		email := fmt.Sprintf("member%d@example.com", i)
		id := c.Run("user", "create", "--email", email, "--name", fmt.Sprintf("Member %d", i), "--role", "moderator")
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			h.t.Fatalf("user create printed %q, not an id", id)
		}
		h.members[c.Run("token", "create", "--email", email)] = n
	}
	l := newLoad(c.LB)
	for i := range 4 {
		status, body := l.send(http.MethodPost, "/api/v1/ideas", author,
			fmt.Sprintf(`{"title":"Idea %d that the faults are tested on","body":"As asked in shop %d."}`, i+1, i+1))
		var idea struct{ ID int64 }
		if status != http.StatusCreated || json.Unmarshal(body, &idea) != nil {
			h.t.Fatalf("create idea: %d %s", status, body)
		}
		h.ideas = append(h.ideas, idea.ID)
	}
	h.parents = map[int64]int64{}
	for i, idea := range h.ideas {
		status, body := l.send(http.MethodPost, fmt.Sprintf("/api/v1/ideas/%d/comments", idea), author,
			fmt.Sprintf(`{"body":"Replies to idea %d welcome."}`, i+1))
		var comment struct{ ID int64 }
		if status != http.StatusCreated || json.Unmarshal(body, &comment) != nil {
			h.t.Fatalf("comment: %d %s", status, body)
		}
		h.parents[idea] = comment.ID
	}
	status, body := l.send(http.MethodPost, "/api/v1/webhooks", admin, `{"url":"`+h.hooks.URL+`","events":["comment.created"]}`)
	if status != http.StatusCreated {
		h.t.Fatalf("create webhook: %d %s", status, body)
	}
}

// run strikes one fault under the running load, heals it, waits for
// Samen to catch up, and audits.
func (h *harness) run(f fault) figures {
	h.t.Logf("fault: %s", f.name)
	from := time.Now()
	time.Sleep(3 * time.Second) // the load as it runs without the fault
	f.strike(h)
	time.Sleep(f.hold)
	f.heal(h)
	healed := time.Now()
	// Caught up: no job due for more than a few seconds is left (under a
	// steady load some always run), every comment acknowledged a few
	// seconds ago is at the webhook receiver, and every reply to the author
	// made a few seconds ago has gone out by email.
	deadline := healed.Add(90 * time.Second)
	var caughtUp time.Time
	for {
		time.Sleep(500 * time.Millisecond)
		if h.pending() == 0 && len(h.undelivered()) == 0 && h.unmailed() == 0 {
			caughtUp = time.Now()
			break
		}
		if time.Now().After(deadline) {
			break
		}
	}
	time.Sleep(3 * time.Second) // a quiet spell after the fault, counted with it
	to := time.Now()

	fig := figures{fault: f, byStatus: map[int]int{}, emails: len(h.smtp.Messages()), hooks: h.hooks.hungCount()}
	results := h.load.between(from, to)
	for _, r := range results {
		switch {
		case r.hung:
			fig.hung++
		case r.status == 0:
			fig.noAnswer++
		case r.status/100 == 2:
			fig.served++
		default:
			fig.byStatus[r.status]++
			if r.status == http.StatusServiceUnavailable && r.retryAfter {
				fig.retryAfter++
			}
		}
		fig.maxLatency = max(fig.maxLatency, r.took)
	}
	recovered := healed
	if last := lastFailure(results); last.After(recovered) {
		recovered = last
	}
	if caughtUp.IsZero() {
		fig.late = fmt.Sprintf("not caught up 90 s after the fault ended: %d jobs behind, %d acknowledged comments not at the webhook receiver, %d replies not emailed",
			h.pending(), len(h.undelivered()), h.unmailed())
		caughtUp = to
	}
	if caughtUp.After(recovered) {
		recovered = caughtUp
	}
	fig.recovery = recovered.Sub(healed)
	h.settle(&fig)
	return fig
}

// settle audits the database and adds what is wrong to fig.
func (h *harness) settle(fig *figures) {
	lost, countersOff := h.audit()
	fig.lost, fig.countersOff = max(fig.lost, lost), max(fig.countersOff, countersOff)
	fig.twice = h.twice
	undelivered, unmailed := len(h.undelivered()), h.unmailed()
	fig.jobsLost += h.jobsLost() + undelivered + unmailed
	if undelivered+unmailed > 0 {
		h.t.Logf("%s: %d acknowledged comments not at the webhook receiver, %d replies not emailed", fig.fault.name, undelivered, unmailed)
	}
	fig.notes = fig.notes[:0]
	if fig.late != "" {
		fig.notes = append(fig.notes, fig.late)
	}
	if n := fig.byStatus[http.StatusInternalServerError]; n > 0 {
		fig.notes = append(fig.notes, fmt.Sprintf("%d answers with status 500", n))
	}
	if n := fig.byStatus[http.StatusServiceUnavailable] - fig.retryAfter; n > 0 {
		fig.notes = append(fig.notes, fmt.Sprintf("%d answers with status 503 without Retry-After", n))
	}
	if fig.hung > 0 {
		fig.notes = append(fig.notes, fmt.Sprintf("%d requests hung past the client's %v", fig.hung, requestTimeout))
	}
	if fig.lost > 0 {
		fig.notes = append(fig.notes, fmt.Sprintf("%d acknowledged writes not in the database", fig.lost))
	}
	if fig.twice > 0 {
		fig.notes = append(fig.notes, fmt.Sprintf("%d comments stored twice (so far)", fig.twice))
	}
	if fig.countersOff > 0 {
		fig.notes = append(fig.notes, fmt.Sprintf("%d ideas whose counters differ from their rows", fig.countersOff))
	}
	if fig.jobsLost > 0 {
		fig.notes = append(fig.notes, fmt.Sprintf("%d jobs lost", fig.jobsLost))
	}
	if fig.served == 0 {
		fig.notes = append(fig.notes, "no request was served")
	}
}

// behind is how long the load's own work may take: a job due, a comment
// acknowledged or a reply made longer ago than this and not done is late.
const behind = 5 * time.Second

// pending counts the jobs behind: due longer ago than behind and not done,
// or failed and waiting for a retry.
func (h *harness) pending() int {
	var n int
	err := h.db.QueryRow(`SELECT count(*) FROM river_job WHERE state = 'retryable'
		OR (state IN ('available', 'running', 'pending', 'scheduled') AND scheduled_at < now() - $1 * interval '1 second')`,
		behind.Seconds()).Scan(&n)
	if err != nil {
		return -1
	}
	return n
}

// undelivered returns the comments acknowledged longer ago than behind
// that the webhook receiver has not taken.
func (h *harness) undelivered() []string {
	var out []string
	for _, c := range h.load.ackedComments() {
		if time.Since(c.at) > behind && !h.hooks.has(c.body) {
			out = append(out, c.body)
		}
	}
	return out
}

// unmailed counts the author's notifications older than behind that no
// email has carried: replies are emailed at once.
func (h *harness) unmailed() int {
	var n int
	err := h.db.QueryRow(`SELECT count(*) FROM notifications WHERE user_id = $1 AND emailed_at IS NULL
		AND created_at < now() - $2 * interval '1 second'`, h.author, behind.Seconds()).Scan(&n)
	if err != nil {
		return -1
	}
	return n
}

// jobsLost counts the jobs given up for good since the last audit, and
// the webhook deliveries that failed for good.
func (h *harness) jobsLost() int {
	var n int64
	err := h.db.QueryRow(`SELECT (SELECT count(*) FROM river_job WHERE state IN ('discarded', 'cancelled'))
		+ (SELECT count(*) FROM webhook_deliveries WHERE failed_at IS NOT NULL)`).Scan(&n)
	if err != nil {
		h.t.Errorf("count lost jobs: %v", err)
		return 0
	}
	lost := n - h.lostJobs
	h.lostJobs = n
	if lost > 0 {
		rows, err := h.db.Query(`SELECT kind, state, attempt, COALESCE(errors::text, '') FROM river_job WHERE state IN ('discarded', 'cancelled') ORDER BY id DESC LIMIT 5`)
		if err == nil {
			for rows.Next() {
				var kind, state, errs string
				var attempt int
				_ = rows.Scan(&kind, &state, &attempt, &errs)
				h.t.Logf("job given up: %s %s after %d attempts: %.500s", kind, state, attempt, errs)
			}
			rows.Close()
		}
	}
	return int(lost)
}

// audit compares what the client saw acknowledged with the database: each
// known vote there or not as acknowledged, each acknowledged comment
// there; and each idea's counters with its rows. A vote counts only when
// no request on it ran while the database was read (the same
// acknowledgement is known before and after), as the load goes on.
func (h *harness) audit() (lost, countersOff int) {
	before := h.load.knownVotes()
	rows, err := h.db.Query(`SELECT idea_id, user_id FROM votes`)
	if err != nil {
		h.t.Errorf("audit votes: %v", err)
		return
	}
	inDB := map[[2]int64]bool{}
	for rows.Next() {
		var k [2]int64
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			h.t.Errorf("audit votes: %v", err)
		}
		inDB[k] = true
	}
	rows.Close()
	after := h.load.knownVotes()
	for key, known := range before {
		if again, ok := after[key]; !ok || again.ack != known.ack {
			continue
		}
		if inDB[[2]int64{key.idea, h.members[key.token]}] != known.voted {
			lost++
		}
	}
	comments := h.load.ackedComments()
	bodies := make([]string, len(comments))
	for i, c := range comments {
		bodies[i] = c.body
	}
	var found int
	if err := h.db.QueryRow(`SELECT count(DISTINCT body) FROM comments WHERE body = ANY($1)`, bodies).Scan(&found); err != nil {
		h.t.Errorf("audit comments: %v", err)
		return
	}
	lost += len(bodies) - found
	// A comment stored twice (a request sent again after its answer was
	// lost) is a write the client did not ask for.
	if err := h.db.QueryRow(`SELECT count(*) - count(DISTINCT body) FROM comments WHERE body LIKE 'fault-harness-%'`).Scan(&h.twice); err != nil {
		h.t.Errorf("audit comments: %v", err)
	}
	err = h.db.QueryRow(`SELECT count(*) FROM ideas i
		WHERE i.votes <> (SELECT count(*) FROM votes v WHERE v.idea_id = i.id)
		   OR i.comments <> (SELECT count(*) FROM comments c WHERE c.idea_id = i.id AND c.state = 'published' AND NOT c.internal)`).Scan(&countersOff)
	if err != nil {
		h.t.Errorf("audit counters: %v", err)
	}
	return lost, countersOff
}

// table writes the figures as a Markdown table, one row a fault.
func table(all []figures) string {
	var b strings.Builder
	b.WriteString("| Fault | Served (2xx) | Other answers | 503 with Retry-After | No answer | Hung | Max latency | Recovery | Acknowledged writes lost | Comments stored twice | Counters off | Jobs lost |\n")
	b.WriteString("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, f := range all {
		var statuses []int
		for s := range f.byStatus {
			statuses = append(statuses, s)
		}
		sort.Ints(statuses)
		var other []string
		for _, s := range statuses {
			other = append(other, fmt.Sprintf("%d × %d", f.byStatus[s], s))
		}
		if len(other) == 0 {
			other = []string{"none"}
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %d | %d | %d | %v | %v | %d | %d | %d | %d |\n", f.fault.name, f.served,
			strings.Join(other, ", "), f.retryAfter, f.noAnswer, f.hung, f.maxLatency.Round(time.Millisecond),
			f.recovery.Round(100*time.Millisecond), f.lost, f.twice, f.countersOff, f.jobsLost)
	}
	b.WriteString("\nWhat each fault does:\n\n")
	for _, f := range all {
		fmt.Fprintf(&b, "- **%s**: %s.\n", f.fault.name, f.fault.does)
	}
	last := all[len(all)-1]
	fmt.Fprintf(&b, "\nEmails received by the SMTP server over the run: %d; webhook attempts the hanging receiver held: %d.\n", last.emails, last.hooks)
	return b.String()
}

// machine describes the computer the figures come from.
func machine() string { return fmt.Sprintf("%d cores (%s)", runtime.NumCPU(), runtime.GOARCH) }
