package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// endpoint is one thing the bench loads, with its target.
type endpoint struct {
	key, name string
	path      func(fx *fixtures, cfg settings) string
	script    string                                  // a wrk script in bench/wrk, or ""
	args      func(fx *fixtures, p paths) []string    // the script's arguments
	target    string                                  // the target, in words; "" for none
	meets     func(r *result) (met bool, judged bool) // judged: there is a target to meet
	// team: the endpoint belongs to the team's workspace, whose figures have a
	// section of their own; each is a team member's (or a visitor's) JSON, so
	// the ceiling is loaded on its API list page in turn with it.
	team  bool
	token bool // sent with the team member's API token
	// uncached: loaded on a second Samen that runs with its page cache off
	// (SAMEN_PAGE_CACHE=off), so that every page is rendered anew.
	uncached bool
}

// ceilingList is the ceiling's list page that the team's endpoints are held
// against: 20 ideas in hot order, as JSON, one indexed query.
const ceilingList = "/api/v1/ideas"

// asFastAsCeiling is the target of the pages and answers made for one member:
// at least the ceiling's requests/s, and a p99 no worse than its.
func asFastAsCeiling(r *result) (bool, bool) {
	return r.ratio() >= 1.0 && r.samen.p99 <= r.ceiling.p99, true
}

// analyticsP99 is the target for the analytics: p99 under 50 ms.
// A run in which no request was answered has no p99: that misses too.
func analyticsP99(r *result) (bool, bool) {
	return r.samen.rps > 0 && r.samen.p99 < 50*time.Millisecond, true
}

var endpoints = []*endpoint{
	{
		key: "home", name: "Home page, hot sort, visitor",
		path:   func(*fixtures, settings) string { return "/" },
		target: "≥ 0.6× req/s, p99 ≤ 2× ceiling's",
		meets: func(r *result) (bool, bool) {
			return r.ratio() >= 0.6 && r.samen.p99 <= 2*r.ceiling.p99, true
		},
	},
	{
		key: "home-member", name: "Home page, signed in (the member's votes marked)",
		path: func(*fixtures, settings) string { return "/" }, script: "signed-in.lua",
		args:   func(fx *fixtures, p paths) []string { return []string{p.rel(fx.sessionFile)} },
		target: "≥ 1.0× req/s, p99 ≤ ceiling's", meets: asFastAsCeiling,
	},
	{
		key: "home-uncached", name: "Home page, hot sort, visitor, Samen's page cache off (`SAMEN_PAGE_CACHE=off`)",
		path:   func(*fixtures, settings) string { return "/" },
		target: "≥ 0.8× req/s",
		meets:  func(r *result) (bool, bool) { return r.ratio() >= 0.8, true }, uncached: true,
	},
	{
		key: "idea", name: "Idea page with 50 comments, visitor",
		path:   func(fx *fixtures, _ settings) string { return fx.idea.path() },
		target: "≥ 0.5× req/s",
		meets:  func(r *result) (bool, bool) { return r.ratio() >= 0.5, true },
	},
	{
		key: "idea-member", name: "Idea page with 50 comments, signed in (the member's vote marked, the member's forms)",
		path: func(fx *fixtures, _ settings) string { return fx.idea.path() }, script: "signed-in.lua",
		args:   func(fx *fixtures, p paths) []string { return []string{p.rel(fx.sessionFile)} },
		target: "≥ 1.0× req/s, p99 ≤ ceiling's", meets: asFastAsCeiling,
	},
	{
		key: "search", name: "Search for a common word",
		path: func(_ *fixtures, cfg settings) string { return "/search?q=" + cfg.search },
		// Both rank every match the same way (docs/search.md).
		target: "≥ 0.5× req/s",
		meets:  func(r *result) (bool, bool) { return r.ratio() >= 0.5, true },
	},
	{
		key: "api", name: "API list (`GET /api/v1/ideas`), anonymous",
		path:   func(*fixtures, settings) string { return "/api/v1/ideas" },
		target: "≥ 1.0× req/s",
		meets:  func(r *result) (bool, bool) { return r.ratio() >= 1.0, true },
	},
	{
		key: "api-member", name: "API list (`GET /api/v1/ideas`), a member's API token (the member's votes marked)",
		path: func(*fixtures, settings) string { return "/api/v1/ideas" }, script: "bearer.lua",
		args:   func(fx *fixtures, p paths) []string { return []string{p.rel(fx.tokenFile)} },
		target: "≥ 1.0× req/s, p99 ≤ ceiling's", meets: asFastAsCeiling,
	},
	{
		key: "vote", name: "Vote toggle through the API, many members",
		path: func(*fixtures, settings) string { return "/" }, script: "vote.lua",
		args:   func(fx *fixtures, p paths) []string { return []string{p.rel(fx.tokenFile), p.rel(fx.ideaFile)} },
		target: "≥ 1.0× req/s, no errors, counters = rows",
		meets: func(r *result) (bool, bool) {
			return r.ratio() >= 1.0 && r.samen.errors == 0, true
		},
	},
	{
		key: "triage", name: "Triage inbox (`GET /api/v1/triage?triaged=false`), a team member",
		path:  func(*fixtures, settings) string { return "/api/v1/triage?triaged=false" },
		meets: func(*result) (bool, bool) { return true, false }, team: true, token: true,
	},
	{
		key: "roadmap", name: "Roadmap (`GET /api/v1/roadmap`), anonymous",
		path:  func(*fixtures, settings) string { return "/api/v1/roadmap" },
		meets: func(*result) (bool, bool) { return true, false }, team: true,
	},
	{
		key: "analytics", name: "Analytics, the last 30 days of the data (`?from=&to=`), a team member",
		path:   func(fx *fixtures, _ settings) string { return fx.analyticsPath(30) },
		target: "p99 < 50 ms", meets: analyticsP99, team: true, token: true,
	},
	{
		key: "analytics-365", name: "Analytics, the last 365 days of the data (`?from=&to=`), a team member",
		path:   func(fx *fixtures, _ settings) string { return fx.analyticsPath(365) },
		target: "p99 < 50 ms", meets: analyticsP99, team: true, token: true,
	},
}

func endpointKeys() []string {
	keys := make([]string, len(endpoints))
	for i, e := range endpoints {
		keys[i] = e.key
	}
	return keys
}

func endpointByKey(key string) *endpoint {
	for _, e := range endpoints {
		if e.key == key {
			return e
		}
	}
	return nil
}

// loader runs wrk against Samen and the ceiling.
type loader struct {
	settings
	paths
	fixtures       *fixtures
	db             *database
	samen, ceiling *server
	pprofAddr      string
	// uncachedSamen is the Samen with its page cache off, running while an
	// uncached endpoint is loaded; uncachedPprof is its profiler.
	uncachedSamen *server
	uncachedPprof string
	samenBin      string
	alone         map[string]time.Duration // by endpoint key: how long Samen took for the check's request
}

// wrkRun is one wrk run against one server.
type wrkRun struct {
	server       string
	command      string
	requests     int64
	rps          float64
	p50, p99     time.Duration
	non2xx       int64
	socketErrors int64
	cpu          cpuTimes // used during the run
	wrkCPU       float64
	output       string
}

// figures are the medians of one server's runs.
type figures struct {
	rps      float64
	p50, p99 time.Duration
	errors   int64 // over all runs
	// CPU per request, in microseconds.
	serverCPU, postgresCPU, wrkCPU float64
	otherBusy                      float64 // share of the machine used by other processes
}

// result is one endpoint's measurement.
type result struct {
	endpoint       *endpoint
	commands       map[string]string // server -> the wrk command
	runs           []wrkRun
	samen, ceiling figures
	alone          time.Duration // Samen's answer to the check's one request, before the load
	met, judged    bool
	profile        *profile
}

func (r *result) ratio() float64 {
	if r.ceiling.rps == 0 {
		return 0
	}
	return r.samen.rps / r.ceiling.rps
}

// wrkArgs is the wrk command line for an endpoint on a server.
func (l *loader) wrkArgs(e *endpoint, srv *server, d time.Duration) []string {
	args := []string{"-t", strconv.Itoa(l.threads), "-c", strconv.Itoa(l.connections), "-d", d.String(), "--latency", "--timeout", "10s"}
	if e.script != "" {
		args = append(args, "-s", filepath.Join("bench", "wrk", e.script))
	}
	if e.token {
		args = append(args, "-H", "Authorization: Bearer "+l.fixtures.team.token)
	}
	args = append(args, srv.url(l.pathOn(e, srv)))
	if e.args != nil {
		args = append(append(args, "--"), e.args(l.fixtures, l.paths)...)
	}
	return args
}

// samenFor is the Samen that serves an endpoint, and its profiler's address.
func (l *loader) samenFor(e *endpoint) (*server, string) {
	if e.uncached {
		return l.uncachedSamen, l.uncachedPprof
	}
	return l.samen, l.pprofAddr
}

// pathOn is the path an endpoint loads on a server: the team's endpoints
// load the ceiling's list page.
func (l *loader) pathOn(e *endpoint, srv *server) string {
	if e.team && srv == l.ceiling {
		return ceilingList
	}
	return e.path(l.fixtures, l.settings)
}

func (l *loader) wrk(ctx context.Context, e *endpoint, srv *server, d time.Duration, save string) (wrkRun, error) {
	args := l.wrkArgs(e, srv, d)
	shown := make([]string, len(args))
	for i, a := range args {
		shown[i] = a
		if strings.HasPrefix(a, "Authorization: ") {
			shown[i] = `"Authorization: Bearer $TEAM_TOKEN"`
		}
	}
	cmd := exec.CommandContext(ctx, "wrk", args...)
	cmd.Dir = l.root
	samen, _ := l.samenFor(e)
	before := readCPU(samen.cmd.Process.Pid, l.ceiling.cmd.Process.Pid)
	out, err := cmd.CombinedOutput()
	after := readCPU(samen.cmd.Process.Pid, l.ceiling.cmd.Process.Pid)
	// The figures are Samen's or the ceiling's, whichever Samen served.
	role := "samen"
	if srv == l.ceiling {
		role = "ceiling"
	}
	run := wrkRun{server: role, command: "wrk " + strings.Join(shown, " "), output: string(out)}
	if err != nil {
		return run, fmt.Errorf("%s: %v\n%s", run.command, err, out)
	}
	if save != "" {
		if err := os.WriteFile(save, out, 0o644); err != nil {
			return run, err
		}
	}
	run.cpu = cpuTimes{samen: after.samen - before.samen, ceiling: after.ceiling - before.ceiling,
		postgres: after.postgres - before.postgres, busy: after.busy - before.busy}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		run.wrkCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	return run, parseWrk(&run)
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkRate     = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkLatency  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

func parseWrk(run *wrkRun) error {
	out := run.output
	m := wrkRequests.FindStringSubmatch(out)
	r := wrkRate.FindStringSubmatch(out)
	if m == nil || r == nil {
		return fmt.Errorf("%s: cannot read wrk's output:\n%s", run.command, out)
	}
	run.requests, _ = strconv.ParseInt(m[1], 10, 64)
	run.rps, _ = strconv.ParseFloat(r[1], 64)
	for _, lat := range wrkLatency.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(lat[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "m": time.Minute}[lat[3]]
		d := time.Duration(v * float64(unit))
		if lat[1] == "50" {
			run.p50 = d
		} else {
			run.p99 = d
		}
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		run.non2xx, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		for _, n := range m[1:] {
			v, _ := strconv.ParseInt(n, 10, 64)
			run.socketErrors += v
		}
	}
	return nil
}

// measure warms both servers on the endpoint, runs wrk on them in turns, and
// profiles Samen when it misses the target (or when asked to always).
func (l *loader) measure(ctx context.Context, e *endpoint) (*result, error) {
	res := &result{endpoint: e, commands: map[string]string{}, alone: l.alone[e.key]}
	samen, _ := l.samenFor(e)
	servers := []*server{samen, l.ceiling}
	logf("%s: warming up, %s on each", e.key, l.warmup)
	for _, srv := range servers {
		if _, err := l.wrk(ctx, e, srv, l.warmup, ""); err != nil {
			return nil, err
		}
	}
	for i := range l.runs {
		order := servers
		if i%2 == 1 {
			order = []*server{l.ceiling, samen}
		}
		for _, srv := range order {
			run, err := l.wrk(ctx, e, srv, l.duration, filepath.Join(l.out, fmt.Sprintf("wrk-%s-%s-%d.txt", e.key, srv.name, i+1)))
			if err != nil {
				return nil, err
			}
			res.commands[run.server] = run.command
			res.runs = append(res.runs, run)
			logf("%s run %d, %-7s %8.0f req/s  p50 %-8s p99 %-8s errors %d", e.key, i+1, srv.name, run.rps,
				run.p50.Round(10*time.Microsecond), run.p99.Round(10*time.Microsecond), run.non2xx+run.socketErrors)
		}
	}
	res.samen, res.ceiling = res.figuresOf("samen"), res.figuresOf("ceiling")
	res.met, res.judged = e.meets(res)
	logf("%s: Samen %.0f req/s, the ceiling %.0f req/s: %.2f×; %s", e.key, res.samen.rps, res.ceiling.rps, res.ratio(), verdict(res))
	if l.profile == "all" || (l.profile == "missed" && res.judged && !res.met) {
		p, err := l.takeProfile(ctx, e)
		if err != nil {
			return nil, err
		}
		res.profile = p
	}
	return res, nil
}

func verdict(r *result) string {
	switch {
	case !r.judged:
		return "no target"
	case r.met:
		return "target met"
	}
	return "target missed"
}

func median[T int64 | float64 | time.Duration](values []T) T {
	if len(values) == 0 {
		return 0
	}
	s := slices.Clone(values)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (r *result) figuresOf(name string) figures {
	var (
		f                         figures
		rps, server, pg, wrk, oth []float64
		p50, p99                  []time.Duration
	)
	for _, run := range r.runs {
		if run.server != name || run.requests == 0 {
			continue
		}
		n := float64(run.requests)
		own := run.cpu.samen
		if name == "ceiling" {
			own = run.cpu.ceiling
		}
		rps = append(rps, run.rps)
		p50, p99 = append(p50, run.p50), append(p99, run.p99)
		server, pg, wrk = append(server, own/n*1e6), append(pg, run.cpu.postgres/n*1e6), append(wrk, run.wrkCPU/n*1e6)
		if run.cpu.busy > 0 {
			other := run.cpu.busy - run.cpu.samen - run.cpu.ceiling - run.cpu.postgres - run.wrkCPU
			oth = append(oth, max(other, 0)/run.cpu.busy)
		}
		f.errors += run.non2xx + run.socketErrors
	}
	f.rps, f.p50, f.p99 = median(rps), median(p50), median(p99)
	f.serverCPU, f.postgresCPU, f.wrkCPU, f.otherBusy = median(server), median(pg), median(wrk), median(oth)
	return f
}

// check makes one request of the endpoint on both servers and makes sure each
// answers what the load is meant to measure, and the same ideas.
func (l *loader) check(ctx context.Context, e *endpoint) error {
	fx := l.fixtures
	var signedIn *member
	for i := range fx.members {
		if fx.members[i].hasVotesOnHome {
			signedIn = &fx.members[i]
			break
		}
	}
	if signedIn == nil {
		signedIn = &fx.members[0]
	}
	samen, _ := l.samenFor(e)
	// The signed-in idea page: whether the member voted for the idea, and
	// whether it takes comments.
	var votedIdea, lockedIdea bool
	if e.key == "idea-member" {
		err := l.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM votes WHERE idea_id = $1 AND user_id = $2), locked
			FROM ideas WHERE id = $1`, fx.idea.id, signedIn.id).Scan(&votedIdea, &lockedIdea)
		if err != nil {
			return fmt.Errorf("%s: the member's vote on %s: %w", e.key, fx.idea.path(), err)
		}
	}
	seen := map[string]string{}
	for _, srv := range []*server{samen, l.ceiling} {
		var (
			method = http.MethodGet
			header = http.Header{}
			path   = l.pathOn(e, srv)
			kind   = e.key // what the answer should hold
		)
		if e.token {
			header.Set("Authorization", "Bearer "+fx.team.token)
		}
		switch {
		case e.team && srv == l.ceiling:
			kind = "api"
		case e.key == "home-uncached":
			kind = "home"
		}
		switch e.key {
		case "home-member", "idea-member":
			header.Set("Cookie", "samen_session="+signedIn.session)
		case "api-member":
			header.Set("Authorization", "Bearer "+signedIn.token)
		case "vote":
			method, path = http.MethodPost, fmt.Sprintf("/api/v1/ideas/%d/vote", fx.voteIdeas[0])
			header.Set("Authorization", "Bearer "+signedIn.token)
		}
		asked := time.Now()
		status, body, err := request(ctx, method, srv.url(path), header)
		if err != nil {
			return err
		}
		if srv == samen {
			l.alone[e.key] = time.Since(asked)
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("%s on %s (%s %s): %s", e.key, srv.name, method, path, fmt.Sprintf(format, args...))
		}
		if status != http.StatusOK {
			return fail("status %d: %.300s", status, body)
		}
		switch kind {
		case "home", "home-member":
			ids := ideaRow.FindAllStringSubmatch(body, -1)
			if len(ids) != 20 {
				return fail("%d ideas on the page, want 20", len(ids))
			}
			seen[srv.name] = fmt.Sprint(ids)
			if e.key == "home-member" {
				if !strings.Contains(body, `class="account-name">`+html.EscapeString(signedIn.name)+"<") {
					return fail("the page is not signed in as %s", signedIn.name)
				}
				if signedIn.hasVotesOnHome && !strings.Contains(body, `vote-button voted`) {
					return fail("the member's votes are not marked")
				}
			}
		case "idea", "idea-member":
			if n := strings.Count(body, `<li class="comment`); n != fx.idea.comments {
				return fail("%d comments on the page, want %d", n, fx.idea.comments)
			}
			if e.key == "idea-member" {
				if err := signedInIdea(body, signedIn, fx.idea.id, votedIdea, lockedIdea); err != nil {
					return fail("%v", err)
				}
			}
		case "search":
			if fx.searchMatches > 0 && !strings.Contains(body, "<mark>") {
				return fail("no match marked")
			}
		case "api", "api-member":
			var list struct {
				Ideas []struct {
					ID    int64 `json:"id"`
					Voted *bool `json:"voted"`
				} `json:"ideas"`
				Total int64 `json:"total"`
			}
			if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Ideas) != 20 || list.Total == 0 {
				return fail("want 20 ideas and a total: %v %.300s", err, body)
			}
			ids, voted, listed := make([]int64, len(list.Ideas)), map[int64]bool{}, make([]string, len(list.Ideas))
			for i, idea := range list.Ideas {
				if idea.Voted == nil {
					return fail("idea %d has no \"voted\": %.300s", idea.ID, body)
				}
				ids[i], voted[idea.ID] = idea.ID, *idea.Voted
				listed[i] = fmt.Sprintf("%d voted:%t", idea.ID, *idea.Voted)
			}
			if e.key == "api-member" {
				if err := l.votesMarked(ctx, signedIn, ids, voted); err != nil {
					return fail("%v", err)
				}
			}
			seen[srv.name] = strings.Join(listed, ", ")
		case "triage":
			var inbox struct {
				Ideas []struct {
					ID     int64           `json:"id"`
					Triage json.RawMessage `json:"triage"`
				} `json:"ideas"`
				Total *int64 `json:"total"`
			}
			if err := json.Unmarshal([]byte(body), &inbox); err != nil || len(inbox.Ideas) == 0 || inbox.Total == nil ||
				inbox.Ideas[0].Triage == nil {
				return fail("want untriaged ideas with their triage fields and a total: %v %.300s", err, body)
			}
			fx.untriaged = *inbox.Total
		case "roadmap":
			var rm struct {
				Columns []struct {
					Status json.RawMessage   `json:"status"`
					Ideas  []json.RawMessage `json:"ideas"`
					Total  *int64            `json:"total"`
				} `json:"columns"`
			}
			if err := json.Unmarshal([]byte(body), &rm); err != nil || len(rm.Columns) == 0 {
				return fail("want the roadmap's columns: %v %.300s", err, body)
			}
			fx.roadmapIdeas = 0
			for _, col := range rm.Columns {
				if col.Status == nil || col.Total == nil {
					return fail("a column without its status or total: %.300s", body)
				}
				fx.roadmapIdeas += int64(len(col.Ideas))
			}
			fx.roadmapColumns = len(rm.Columns)
		case "analytics", "analytics-365":
			var a map[string]json.RawMessage
			if err := json.Unmarshal([]byte(body), &a); err != nil {
				return fail("%v %.300s", err, body)
			}
			for _, k := range []string{"from", "to", "ideas", "votes", "comments", "active_members", "first_answer_hours_median",
				"answered_within_7_days_pct", "unanswered_over_30_days", "by_week", "by_category", "by_source", "by_status"} {
				if _, ok := a[k]; !ok {
					return fail("no %q in %.300s", k, body)
				}
			}
			var r analyticsRange
			if err := json.Unmarshal([]byte(body), &r); err != nil {
				return fail("%v %.300s", err, body)
			}
			fx.analytics[e.key] = r
		case "vote":
			if !strings.Contains(body, `"voted":true`) {
				return fail("%.300s", body)
			}
			status, body, err = request(ctx, http.MethodDelete, srv.url(path), header)
			if err != nil {
				return err
			}
			if status != http.StatusOK || !strings.Contains(body, `"voted":false`) {
				return fail("withdrawing: %d %.300s", status, body)
			}
		}
	}
	if len(seen) == 2 && seen[samen.name] != seen["ceiling"] {
		return fmt.Errorf("%s: Samen and the ceiling list different ideas:\n%s\n%s", e.key, seen[samen.name], seen["ceiling"])
	}
	return nil
}

var ideaRow = regexp.MustCompile(`<li class="idea-row" data-id="(\d+)"`)

// signedInIdea checks that an idea page is the one a member sees: the member's
// name and the sign-out form in the header, no sign-in link, the vote form
// with the member's vote marked, and the comment form unless the idea is locked.
func signedInIdea(body string, m *member, ideaID int64, voted, locked bool) error {
	switch {
	case !strings.Contains(body, `class="account-name">`+html.EscapeString(m.name)+"<"):
		return fmt.Errorf("the page is not signed in as %s", m.name)
	case !strings.Contains(body, `action="/logout"`):
		return errors.New("no sign-out form")
	case strings.Contains(body, `href="/login`):
		return errors.New("a sign-in link on a signed-in page")
	}
	action, mark := "vote", `class="vote-button"`
	if voted {
		action, mark = "unvote", `class="vote-button voted"`
	}
	if !strings.Contains(body, fmt.Sprintf(`action="/ideas/%d/%s"`, ideaID, action)) {
		return fmt.Errorf("no form to %s the idea", action)
	}
	if !strings.Contains(body, mark) {
		return fmt.Errorf("the member's vote (voted: %t) is not marked", voted)
	}
	if !locked && !strings.Contains(body, `class="comment-form"`) {
		return errors.New("no comment form")
	}
	return nil
}

// votesMarked checks that an API list marks exactly the listed ideas the
// member voted for.
func (l *loader) votesMarked(ctx context.Context, m *member, ids []int64, voted map[int64]bool) error {
	rows, err := l.db.Query(ctx, "SELECT idea_id FROM votes WHERE user_id = $1 AND idea_id = ANY($2)", m.id, ids)
	if err != nil {
		return err
	}
	want := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		want[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if voted[id] != want[id] {
			return fmt.Errorf("idea %d: \"voted\": %t, but the member's vote is %t in the database", id, voted[id], want[id])
		}
	}
	return nil
}

func request(ctx context.Context, method, url string, header http.Header) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// profile is where Samen spent one more run of an endpoint: its CPU profile,
// and what the database was busy with.
type profile struct {
	file     string
	top      string
	cum      string
	run      wrkRun
	database []busyStatement
	samples  int
}

type busyStatement struct {
	query string
	seen  int // samples in which a backend was running it
}

// takeProfile loads Samen once more on the endpoint (a run not counted in the
// figures) while taking a CPU profile from its profiler and sampling what
// PostgreSQL's backends are running.
func (l *loader) takeProfile(ctx context.Context, e *endpoint) (*profile, error) {
	p := &profile{file: filepath.Join(l.profiles, e.key+".pprof")}
	samen, pprofAddr := l.samenFor(e)
	seconds := int(l.duration / time.Second)
	logf("%s: profiling Samen for %ds", e.key, seconds)
	var (
		wg     sync.WaitGroup
		runErr error
		stop   = make(chan struct{})
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		p.run, runErr = l.wrk(ctx, e, samen, l.duration, "")
		close(stop)
	}()
	go func() {
		defer wg.Done()
		p.database, p.samples = l.sampleDatabase(ctx, stop)
	}()
	status, body, err := request(ctx, http.MethodGet, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofAddr, seconds), http.Header{})
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if runErr != nil {
		return nil, runErr
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("profile: %d %.300s", status, body)
	}
	if err := os.WriteFile(p.file, []byte(body), 0o644); err != nil {
		return nil, err
	}
	for _, view := range []struct {
		into  *string
		flags []string
	}{
		{&p.top, []string{"-top", "-nodecount=20"}},
		// Below the handler only: the frames above it are the same few wrappers.
		{&p.cum, []string{"-top", "-cum", "-nodecount=30", "-show_from=^samen/handlers\\."}},
	} {
		out, err := exec.CommandContext(ctx, "go", append(append([]string{"tool", "pprof"}, view.flags...), l.samenBin, p.file)...).Output()
		if err != nil {
			return nil, fmt.Errorf("go tool pprof %s: %w", p.file, err)
		}
		*view.into = strings.TrimSpace(string(out))
	}
	return p, nil
}

// sampleDatabase asks PostgreSQL, every 10 ms until stop, which statements its
// backends on this database are running, and counts them.
func (l *loader) sampleDatabase(ctx context.Context, stop <-chan struct{}) ([]busyStatement, int) {
	counts := map[string]int{}
	samples := 0
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			out := make([]busyStatement, 0, len(counts))
			for q, n := range counts {
				out = append(out, busyStatement{q, n})
			}
			slices.SortFunc(out, func(a, b busyStatement) int { return b.seen - a.seen })
			return out, samples
		case <-ctx.Done():
			return nil, samples
		case <-tick.C:
		}
		rows, err := l.db.Query(ctx, `SELECT regexp_replace(query, '\s+', ' ', 'g') FROM pg_stat_activity
			WHERE datname = current_database() AND state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()`)
		if err != nil {
			continue
		}
		samples++
		for rows.Next() {
			var q string
			if rows.Scan(&q) == nil {
				counts[shorten(q)]++
			}
		}
		rows.Close()
	}
}

// shorten keeps what tells statements apart: a long select list becomes …,
// and the rest is cut at 220 characters. PostgreSQL keeps the first 1 KB of a
// statement (track_activity_query_size): a select list longer than that keeps
// its first columns.
func shorten(q string) string {
	if rest, ok := strings.CutPrefix(q, "SELECT "); ok {
		from, comma := strings.Index(rest, " FROM "), strings.LastIndexByte(q[:min(len(q), 80)], ',')
		switch {
		case from > 60:
			q = "SELECT …" + rest[from:]
		case from < 0 && len(q) >= 1000 && comma > 0:
			q = q[:comma] + ", … (the rest is past the 1 KB of it PostgreSQL keeps)"
		}
	}
	if len(q) > 220 {
		cut := 220
		for cut > 0 && !utf8.RuneStart(q[cut]) {
			cut--
		}
		q = q[:cut] + "…"
	}
	return q
}
