// Command load is Samen's load test at scale, run by `make bench`: it seeds a
// fresh PostgreSQL database (DATABASE_URL) with `samen seed`, starts Samen in
// production mode and the ceiling program of bench/ceiling beside it, loads
// each endpoint with wrk in turns on both, checks the vote counters, Samen's
// memory and the home page's weight, and writes what it measured, with the
// machine and the exact commands, into docs/benchmarks.md.
//
// Settings (environment):
//
//	DATABASE_URL       postgres://... of a fresh database (required)
//	BENCH_KEEP_DATA=1  use a database that already holds ideas, without seeding
//	BENCH_USERS, BENCH_IDEAS, BENCH_VOTES, BENCH_COMMENTS   data size (20000, 100000, 1000000, 200000)
//	BENCH_DURATION     one wrk run (15s)          BENCH_RUNS          runs per server and endpoint (3)
//	BENCH_CONNECTIONS  wrk connections (32)       BENCH_THREADS       wrk threads (2)
//	BENCH_WARMUP       wrk warm-up per server and endpoint (5s)
//	BENCH_MEMBERS      members with a session and an API token for the load (1000)
//	BENCH_SEARCH       the common word searched for (battery)
//	BENCH_ENDPOINTS    comma-separated subset of: home, home-member, home-uncached, idea, idea-member, search,
//	                   api, api-member, vote, and the team's
//	                   workspace: triage, roadmap, analytics, analytics-365 (each against the ceiling's
//	                   API list page, written into a section of its own)
//	BENCH_PROFILE      missed (default): a CPU profile of Samen for each endpoint that misses its target; all; off
//	BENCH_DOCS         the file whose bench section is replaced (docs/benchmarks.md); "-" for none
//	BENCH_PORT         Samen's port (18080); the ceiling takes the next, Samen's profiler the one after,
//	                   the Samen of the hostile searches the one after that, and the Samen with its page
//	                   cache off (home-uncached) and its profiler the two after that
//	BENCH_HOSTILE      on (default): after the endpoints, measure an idea page beside hostile searches
//	                   (see hostile.go); only: that alone; off: not at all
//	BENCH_HOSTILE_DATABASES  comma-separated subset of: postgres, sqlite (both); with sqlite alone,
//	                   no DATABASE_URL is needed
//	BENCH_SQLITE       the SQLite database file of the hostile searches (bench/out/bench-sqlite.db), made
//	                   anew and seeded unless BENCH_KEEP_DATA=1
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"samen/bench/docsection"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// settings are the bench's knobs, read from the environment.
type settings struct {
	databaseURL                   string
	keepData                      bool
	users, ideas, votes, comments int
	duration, warmup              time.Duration
	runs, connections, threads    int
	members                       int
	search                        string
	endpoints                     []string
	profile                       string
	docs                          string
	port                          int
	hostile                       string
	hostileDatabases              []string
	sqlitePath                    string
}

// full reports whether these are the settings of record (3 runs of 15 s at
// 32 connections on the full data set), whose figures belong in the docs.
func (s settings) full() bool {
	return s.runs >= 3 && s.duration >= 15*time.Second && s.connections == 32 &&
		s.users == 20000 && s.ideas == 100000 && s.votes == 1000000 && s.comments == 200000
}

func readSettings() (settings, error) {
	s := settings{
		databaseURL: os.Getenv("DATABASE_URL"),
		keepData:    os.Getenv("BENCH_KEEP_DATA") == "1",
		search:      envOr("BENCH_SEARCH", "battery"),
		profile:     envOr("BENCH_PROFILE", "missed"),
		docs:        envOr("BENCH_DOCS", "docs/benchmarks.md"),
		hostile:     envOr("BENCH_HOSTILE", "on"),
		sqlitePath:  envOr("BENCH_SQLITE", filepath.Join("bench", "out", "bench-sqlite.db")),
	}
	var errs []error
	if s.hostile != "on" && s.hostile != "only" && s.hostile != "off" {
		errs = append(errs, errors.New("BENCH_HOSTILE: must be on, only or off"))
	}
	for _, db := range strings.Split(envOr("BENCH_HOSTILE_DATABASES", "postgres,sqlite"), ",") {
		db = strings.TrimSpace(db)
		if db != "postgres" && db != "sqlite" {
			errs = append(errs, fmt.Errorf("BENCH_HOSTILE_DATABASES: %q is not postgres or sqlite", db))
		}
		s.hostileDatabases = append(s.hostileDatabases, db)
	}
	needsPostgres := s.hostile != "only" || slices.Contains(s.hostileDatabases, "postgres")
	if needsPostgres && !strings.HasPrefix(s.databaseURL, "postgres://") && !strings.HasPrefix(s.databaseURL, "postgresql://") {
		return s, errors.New("DATABASE_URL must name a fresh PostgreSQL database, as in " +
			"DATABASE_URL=postgres://postgres@127.0.0.1:5432/samen_bench?sslmode=disable (createdb samen_bench first)")
	}
	for _, n := range []struct {
		name string
		into *int
		def  int
	}{
		{"BENCH_USERS", &s.users, 20000}, {"BENCH_IDEAS", &s.ideas, 100000},
		{"BENCH_VOTES", &s.votes, 1000000}, {"BENCH_COMMENTS", &s.comments, 200000},
		{"BENCH_RUNS", &s.runs, 3}, {"BENCH_CONNECTIONS", &s.connections, 32}, {"BENCH_THREADS", &s.threads, 2},
		{"BENCH_MEMBERS", &s.members, 1000}, {"BENCH_PORT", &s.port, 18080},
	} {
		*n.into = n.def
		if v := os.Getenv(n.name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < 1 {
				errs = append(errs, fmt.Errorf("%s: must be a whole number above 0", n.name))
			}
			*n.into = i
		}
	}
	for _, d := range []struct {
		name string
		into *time.Duration
		def  time.Duration
	}{{"BENCH_DURATION", &s.duration, 15 * time.Second}, {"BENCH_WARMUP", &s.warmup, 5 * time.Second}} {
		*d.into = d.def
		if v := os.Getenv(d.name); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t < time.Second || t%time.Second != 0 {
				errs = append(errs, fmt.Errorf("%s: must be whole seconds, as in 15s", d.name))
			}
			*d.into = t
		}
	}
	for _, key := range strings.Split(envOr("BENCH_ENDPOINTS", strings.Join(endpointKeys(), ",")), ",") {
		key = strings.TrimSpace(key)
		if endpointByKey(key) == nil {
			errs = append(errs, fmt.Errorf("BENCH_ENDPOINTS: %q is not one of %s", key, strings.Join(endpointKeys(), ", ")))
		}
		s.endpoints = append(s.endpoints, key)
	}
	if s.profile != "missed" && s.profile != "all" && s.profile != "off" {
		errs = append(errs, errors.New("BENCH_PROFILE: must be missed, all or off"))
	}
	return s, errors.Join(errs...)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// paths are where the bench keeps its files, from the repository's root.
type paths struct {
	root, out, profiles string
}

func (p paths) rel(path string) string {
	if r, err := filepath.Rel(p.root, path); err == nil {
		return r
	}
	return path
}

func findRoot() (paths, error) {
	dir, err := os.Getwd()
	if err != nil {
		return paths{}, err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module samen\n") {
			return paths{root: dir, out: filepath.Join(dir, "bench", "out"), profiles: filepath.Join(dir, "bench", "profiles")}, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return paths{}, errors.New("run from Samen's repository (make bench)")
		}
		dir = parent
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context) error {
	started := time.Now()
	cfg, err := readSettings()
	if err != nil {
		return err
	}
	p, err := findRoot()
	if err != nil {
		return err
	}
	for _, dir := range []string{p.out, p.profiles} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	// The previous run's wrk outputs and profiles go: what is there is this run's.
	for _, pattern := range []string{filepath.Join(p.out, "wrk-*.txt"), filepath.Join(p.profiles, "*.pprof")} {
		old, _ := filepath.Glob(pattern)
		for _, f := range old {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	r := &report{settings: cfg, started: started}
	if r.machine, err = readMachine(ctx); err != nil {
		return err
	}
	if cfg.hostile == "only" {
		samenBin := filepath.Join(p.out, "samen")
		logf("building samen into %s", p.rel(p.out))
		if err := build(ctx, p.root, samenBin, "."); err != nil {
			return err
		}
		return hostile(ctx, cfg, p, r, samenBin, false)
	}

	db, err := openDB(ctx, cfg.databaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	held, err := db.ideaCount(ctx)
	if err != nil {
		return err
	}
	seed := held == 0
	if held > 0 && !cfg.keepData {
		return fmt.Errorf("the database holds %d ideas already: make bench needs a fresh database "+
			"(createdb a new one), or BENCH_KEEP_DATA=1 to load the data that is there", held)
	}

	logf("building samen and the ceiling into %s", p.rel(p.out))
	samenBin, ceilingBin := filepath.Join(p.out, "samen"), filepath.Join(p.out, "ceiling")
	if err := build(ctx, p.root, samenBin, "."); err != nil {
		return err
	}
	if err := build(ctx, p.root, ceilingBin, "./bench/ceiling"); err != nil {
		return err
	}
	r.commit = gitDescribe(ctx, p.root)

	env := []string{"PATH=" + os.Getenv("PATH"), "DATABASE_URL=" + cfg.databaseURL}
	// Go's runtime settings a run tries on Samen (not on the ceiling).
	var tried []string
	for _, name := range []string{"GOGC", "GOMEMLIMIT", "GODEBUG"} {
		if v, ok := os.LookupEnv(name); ok {
			tried = append(tried, name+"="+v)
		}
	}
	if _, err := runTool(ctx, p, env, samenBin, "migrate"); err != nil {
		return err
	}
	r.seedCommand = fmt.Sprintf("samen seed --users %d --ideas %d --votes %d --comments %d", cfg.users, cfg.ideas, cfg.votes, cfg.comments)
	if seed {
		logf("seeding: %s", r.seedCommand)
		res, err := runTool(ctx, p, env, samenBin, strings.Fields(r.seedCommand)[1:]...)
		if err != nil {
			return err
		}
		r.seed = &res
		logf("seeded in %s (peak memory %d MB)", res.elapsed.Round(100*time.Millisecond), res.maxRSS>>20)
	} else {
		logf("BENCH_KEEP_DATA=1: loading the %d ideas in the database, without seeding", held)
	}
	if r.data, err = db.dataFacts(ctx); err != nil {
		return err
	}

	fx, err := prepareFixtures(ctx, db, cfg, p)
	if err != nil {
		return err
	}
	defer fx.revoke(context.WithoutCancel(ctx))
	r.fixtures = fx

	samenAddr := fmt.Sprintf("127.0.0.1:%d", cfg.port)
	ceilingAddr := fmt.Sprintf("127.0.0.1:%d", cfg.port+1)
	pprofAddr := fmt.Sprintf("127.0.0.1:%d", cfg.port+2)
	samenEnv := func(addr, pprof string) []string {
		return append(slices.Concat(env, tried), "SAMEN_ENV=production", "SAMEN_MAIL_LOG=allow-insecure", "SAMEN_RATE_LIMITS=off",
			"SAMEN_ADDR="+addr, "SAMEN_BASE_URL=http://"+addr, "SAMEN_PPROF_ADDR="+pprof)
	}
	samen, err := startServer(ctx, "samen", samenBin, filepath.Join(p.out, "samen.log"), samenAddr, samenEnv(samenAddr, pprofAddr))
	if err != nil {
		return err
	}
	defer samen.stop()
	ceiling, err := startServer(ctx, "ceiling", ceilingBin, filepath.Join(p.out, "ceiling.log"), ceilingAddr, append(env,
		"CEILING_ADDR="+ceilingAddr))
	if err != nil {
		return err
	}
	defer ceiling.stop()
	r.samenCommand = "SAMEN_ENV=production SAMEN_MAIL_LOG=allow-insecure SAMEN_RATE_LIMITS=off SAMEN_ADDR=" + samenAddr + " SAMEN_PPROF_ADDR=" + pprofAddr + " samen"

	// The uncached endpoints are served by a second Samen, with its page
	// cache off, started for them alone: the first one's memory and cache
	// stay as the other endpoints leave them.
	uncachedAddr := fmt.Sprintf("127.0.0.1:%d", cfg.port+4)
	uncachedPprof := fmt.Sprintf("127.0.0.1:%d", cfg.port+5)
	uncachedEnv := append(samenEnv(uncachedAddr, uncachedPprof), "SAMEN_PAGE_CACHE=off")
	l := &loader{settings: cfg, paths: p, fixtures: fx, db: db, samen: samen, ceiling: ceiling, pprofAddr: pprofAddr, samenBin: samenBin,
		uncachedPprof: uncachedPprof, alone: map[string]time.Duration{}}
	for i, key := range cfg.endpoints {
		e := endpointByKey(key)
		if e.uncached && l.uncachedSamen == nil {
			if l.uncachedSamen, err = startServer(ctx, "samen-uncached", samenBin, filepath.Join(p.out, "samen-uncached.log"),
				uncachedAddr, uncachedEnv); err != nil {
				return err
			}
			defer l.uncachedSamen.stop()
			r.uncachedCommand = "SAMEN_ENV=production SAMEN_MAIL_LOG=allow-insecure SAMEN_RATE_LIMITS=off SAMEN_PAGE_CACHE=off SAMEN_ADDR=" +
				uncachedAddr + " SAMEN_PPROF_ADDR=" + uncachedPprof + " samen"
		}
		if err := l.check(ctx, e); err != nil {
			return err
		}
		res, err := l.measure(ctx, e)
		if err != nil {
			return err
		}
		r.results = append(r.results, res)
		if e.uncached && !slices.ContainsFunc(cfg.endpoints[i+1:], func(k string) bool {
			return endpointByKey(k).uncached
		}) {
			l.uncachedSamen.stop() // no uncached endpoint follows
		}
	}
	if r.counters, err = db.counterMismatches(ctx); err != nil {
		return err
	}
	r.memory, err = memory(samen.cmd.Process.Pid)
	if err != nil {
		return err
	}
	// What Samen's heap holds after the run, to read with go tool pprof.
	status, heap, err := request(ctx, http.MethodGet, "http://"+pprofAddr+"/debug/pprof/heap", http.Header{})
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("heap profile after the run: %d %v", status, err)
	}
	if err := os.WriteFile(filepath.Join(p.profiles, "heap-after.pprof"), []byte(heap), 0o644); err != nil {
		return err
	}
	if r.weight, err = pageWeight(ctx, "http://"+samenAddr+"/"); err != nil {
		return err
	}
	if slices.ContainsFunc(r.results, func(res *result) bool { return res.endpoint.team }) {
		if r.export, err = measureExport(ctx, db, "http://"+samenAddr, pprofAddr, samen.cmd.Process.Pid, fx.team.session); err != nil {
			return err
		}
	}
	r.elapsed = time.Since(started)

	// The idea board's endpoints and the team's workspace each have their own
	// section; a run writes only the sections it measured.
	board, team := r.results, []*result(nil)
	r.results = nil
	for _, res := range board {
		if res.endpoint.team {
			team = append(team, res)
		} else {
			r.results = append(r.results, res)
		}
	}
	for _, s := range []struct {
		results     []*result
		begin, end  string
		text        func() string
		description string
	}{
		{r.results, sectionBegin, sectionEnd, r.markdown, "the results"},
		{team, teamBegin, teamEnd, func() string { return r.teamMarkdown(team) }, "the team workspace's figures"},
	} {
		if len(s.results) == 0 {
			continue
		}
		text := s.text()
		fmt.Println(text)
		if cfg.docs != "-" {
			docs := cfg.docs
			if !filepath.IsAbs(docs) {
				docs = filepath.Join(p.root, docs)
			}
			if err := docsection.Write(docs, s.begin, s.end, text); err != nil {
				return err
			}
			logf("wrote %s into %s", s.description, p.rel(docs))
		}
	}
	if cfg.hostile == "on" {
		samen.stop()
		ceiling.stop()
		if err := hostile(ctx, cfg, p, r, samenBin, true); err != nil {
			return err
		}
	}
	if !cfg.full() {
		logf("a quick check, not the settings of record: the section says so; run make bench with the defaults for the figures")
	}
	logf("done in %s", time.Since(started).Round(time.Second))
	return nil
}

// hostile measures the idea pages beside hostile searches and writes the
// figures into their own section of the docs.
func hostile(ctx context.Context, cfg settings, p paths, r *report, samenBin string, pgSeeded bool) error {
	if r.commit == "" {
		r.commit = gitDescribe(ctx, p.root)
	}
	results, err := runHostile(ctx, cfg, p, samenBin, pgSeeded)
	if err != nil {
		return err
	}
	text := hostileMarkdown(cfg, r.machine, r.commit, r.started, results)
	fmt.Println(text)
	if cfg.docs != "-" {
		docs := cfg.docs
		if !filepath.IsAbs(docs) {
			docs = filepath.Join(p.root, docs)
		}
		if err := docsection.Write(docs, hostileBegin, hostileEnd, text); err != nil {
			return err
		}
		logf("wrote the hostile searches' figures into %s", p.rel(docs))
	}
	return nil
}
