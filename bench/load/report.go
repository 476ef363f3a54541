package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// report is everything one run of the bench measured.
type report struct {
	settings     settings
	started      time.Time
	elapsed      time.Duration
	machine      machine
	commit       string
	seedCommand  string
	samenCommand string
	// uncachedCommand starts the second Samen, with its page cache off, for
	// the uncached endpoints; "" when none was measured.
	uncachedCommand string
	seed            *toolResult // nil when the data was there already
	data            dataFacts
	fixtures        *fixtures
	results         []*result
	counters        int64     // ideas whose vote counter differs from their rows
	memory          residence // Samen's, after the run
	weight          weight
	export          *exportResult // the CSV export, streamed after the team's endpoints
}

// The bench's section of docs/benchmarks.md lies between these markers; each
// run replaces it and leaves the rest of the file alone.
const (
	sectionBegin = "<!-- make bench: begin (written by bench/load; the next run replaces everything up to the end marker) -->"
	sectionEnd   = "<!-- make bench: end -->"
)

func (r *report) markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	cfg, d, fx := r.settings, r.data, r.fixtures

	w("## Speed at scale: Samen against a ceiling (%s)\n\n", r.started.UTC().Format("2006-01-02"))
	if !cfg.full() {
		w("> **A quick check, not the figures of record**: %s. The figures of record come from `make bench` with the\n"+
			"> default settings (3 runs of 15 s, 32 connections, the full data set).\n\n", r.quickSettings())
	}
	w("What it measures: each endpoint loaded with wrk over 127.0.0.1, on Samen in production mode (rate limits\n" +
		"off) and on the ceiling, a minimal program of our own (`bench/ceiling`: Fiber, pgx, one indexed query a\n" +
		"page, html/template) that serves the same data: the best a page of this kind can do on this machine. The\n" +
		"ratio is Samen's median requests/s over the ceiling's, measured in the same run. wrk, both servers and\n" +
		"PostgreSQL share the machine's cores. wrk asks for no compression, so neither server compresses.\n\n")
	w("- Command: `createdb samen_bench && DATABASE_URL=postgres://USER@HOST:5432/samen_bench?sslmode=disable make bench`\n"+
		"  (`go run ./bench/load`) on a fresh database; it took %s\n", r.elapsed.Round(time.Second))
	w("- Measured: commit %s, %s\n", r.commit, r.started.UTC().Format("2006-01-02 15:04 UTC"))
	m := r.machine
	w("- Machine: %d cores (%s), %s memory, %s; PostgreSQL %s on the same machine; %s; %s\n",
		m.cores, m.cpu, m.memory, m.kernel, d.PostgresVersion, m.goVersion, m.wrkV)
	w("- Data: `%s`: %s members, %s ideas in %d categories and %d statuses, %s votes (the most on one idea: %s; the median: %s),\n"+
		"  %s comments (the most on one idea: %s; %s ideas with 50 or more); database %s MB (ideas %s MB, votes %s MB, comments %s MB)\n",
		r.seedCommand, num(d.Users), num(d.Ideas), d.Categories, d.Statuses, num(d.Votes), num(d.TopVotes), num(d.MedianVotes),
		num(d.Comments), num(d.TopComments), num(d.IdeasWith50Comments), num(d.DatabaseMB), num(d.IdeasMB), num(d.VotesMB), num(d.CommentMB))
	runs := fmt.Sprintf("%d runs", cfg.runs)
	if cfg.runs == 1 {
		runs = "1 run"
	}
	w("- Load: %d connections, %d wrk threads, %s of %s per server and endpoint after %s of warm-up on each,\n"+
		"  Samen and the ceiling in turns (Samen first in odd runs); the figures are the medians of the runs\n",
		cfg.connections, cfg.threads, runs, cfg.duration, cfg.warmup)
	signedIn := 0
	for _, mb := range fx.members {
		if mb.hasVotesOnHome {
			signedIn++
		}
	}
	w("- Fixtures: the idea page is `%s` (%d comments); the search is `%s` (%s matching ideas); signed in, each\n"+
		"  request draws one of %s members' sessions (%s of them voted for ideas on the home page); the member's API list\n"+
		"  draws one of their API tokens; the vote toggle draws one of their API tokens and one of the %s hottest ideas\n"+
		"  that take votes; the home page with the page cache off is served by a second Samen, started for it\n\n",
		fx.idea.path(), fx.idea.comments, cfg.search, num(fx.searchMatches), num(int64(len(fx.members))), num(int64(signedIn)),
		num(int64(len(fx.voteIdeas))))

	w("| endpoint | Samen req/s | p50 | p99 | ceiling req/s | p50 | p99 | Samen / ceiling | errors (Samen, ceiling) | target | met? |\n")
	w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n")
	var errorsSeen int64
	for _, res := range r.results {
		s, c := res.samen, res.ceiling
		errorsSeen += s.errors + c.errors
		target, met := res.endpoint.target, yesNo(res.met)
		if !res.judged {
			target, met = "—", "—"
		}
		if res.endpoint.key == "vote" {
			met = yesNo(res.met && r.counters == 0)
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %.2f× | %d, %d | %s | %s |\n", res.endpoint.name,
			num(int64(s.rps+0.5)), ms(s.p50), ms(s.p99), num(int64(c.rps+0.5)), ms(c.p50), ms(c.p99), res.ratio(),
			s.errors, c.errors, target, met)
	}
	w("\n")

	w("| other target | measured | met? |\n| --- | --- | --- |\n")
	if r.hasVote() {
		w("| vote toggle: every idea's counter equals its rows afterwards | %s of %s ideas differ | %s |\n",
			num(r.counters), num(d.Ideas), yesNo(r.counters == 0))
	}
	w("| no error responses (non-2xx or socket errors, every endpoint, both servers) | %s | %s |\n", num(errorsSeen), yesNo(errorsSeen == 0))
	mem := r.memory
	w("| Samen's resident memory after the whole run < 64 MB | %s MB (VmRSS; peak VmHWM %s MB), of which private %s MB (RssAnon) and the program's file pages %s MB (RssFile) | %s |\n",
		num(mem.rss>>20), num(mem.hwm>>20), num(mem.anon>>20), num(mem.file>>20), yesNo(mem.rss < 64<<20))
	packed, unpacked := r.weight.total()
	w("| home page HTML + CSS + JS, compressed as served, < 60 KB | %s (%s) | %s |\n", kb(packed), r.weight.encoding, yesNo(packed < 60<<10))
	if r.seed != nil {
		w("| seeding < 2 minutes | %.1f s (the whole `samen seed` command; peak memory %s MB) | %s |\n",
			r.seed.elapsed.Seconds(), num(r.seed.maxRSS>>20), yesNo(r.seed.elapsed < 2*time.Minute))
	} else {
		w("| seeding < 2 minutes | not measured: BENCH_KEEP_DATA=1 used the data there | — |\n")
	}
	w("\nThe home page's weight, asked for with `Accept-Encoding: %s`: ", acceptEncoding)
	for i, p := range r.weight.parts {
		if i > 0 {
			w(", ")
		}
		w("%s `%s` %s (%s unpacked)", p.kind, p.path, kb(p.bytes), kb(p.unpacked))
	}
	w("; %s in all (%s unpacked). Images (logo, icon) are not counted.\n\n", kb(packed), kb(unpacked))

	w("CPU per request, in µs (medians of the runs; PostgreSQL is all its processes on the machine; \"others\" is the\n" +
		"share of the machine's busy time that went to other processes during the runs):\n\n")
	w("| endpoint | Samen | its PostgreSQL | ceiling | its PostgreSQL | wrk (Samen, ceiling) | others (Samen, ceiling) |\n")
	w("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, res := range r.results {
		s, c := res.samen, res.ceiling
		w("| %s | %.0f | %.0f | %.0f | %.0f | %.0f, %.0f | %.0f%%, %.0f%% |\n", res.endpoint.key, s.serverCPU, s.postgresCPU,
			c.serverCPU, c.postgresCPU, s.wrkCPU, c.wrkCPU, 100*s.otherBusy, 100*c.otherBusy)
	}
	w("\nEach run's requests/s, in the order run:\n\n")
	for _, res := range r.results {
		var samen, ceiling []string
		for _, run := range res.runs {
			if run.server == "samen" {
				samen = append(samen, num(int64(run.rps+0.5)))
			} else {
				ceiling = append(ceiling, num(int64(run.rps+0.5)))
			}
		}
		w("- %s: Samen %s; ceiling %s\n", res.endpoint.key, strings.Join(samen, " · "), strings.Join(ceiling, " · "))
	}

	w("\nThe exact commands (the bench starts both servers, and writes the session, token and idea files):\n\n```sh\n")
	w("samen migrate\n%s\n", r.seedCommand)
	w("DATABASE_URL=... %s\n", r.samenCommand)
	if r.uncachedCommand != "" {
		w("DATABASE_URL=... %s    # for home-uncached\n", r.uncachedCommand)
	}
	w("DATABASE_URL=... CEILING_ADDR=%s ceiling    # go build -o bench/out/ceiling ./bench/ceiling\n", r.ceilingAddr())
	for _, res := range r.results {
		w("%s\n%s\n", res.commands["samen"], res.commands["ceiling"])
	}
	w("```\n")

	for _, res := range r.results {
		if res.profile != nil {
			r.profileSection(&b, res)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func (r *report) profileSection(b *strings.Builder, res *result) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p := res.profile
	target := "no target"
	if res.judged {
		target = "target " + res.endpoint.target + ": " + map[bool]string{true: "met", false: "missed"}[res.met]
	}
	w("\n### Where the time goes: %s\n\n", res.endpoint.name)
	p99 := ms(res.samen.p99)
	if res.samen.rps == 0 {
		p99 = "none (no request answered)"
	}
	w("Samen %s req/s, %.2f× the ceiling, p99 %s against %s (%s). ", num(int64(res.samen.rps+0.5)), res.ratio(),
		p99, ms(res.ceiling.p99), target)
	w("The profile is `bench/profiles/%s.pprof`: %s of Samen under the same load, a run not counted above (%s req/s);\n"+
		"read it with `go tool pprof -http=: bench/out/samen bench/profiles/%s.pprof`.\n\n",
		res.endpoint.key, r.settings.duration, num(int64(p.run.rps+0.5)), res.endpoint.key)
	if p.samples > 0 {
		busy := 0
		for _, s := range p.database {
			busy += s.seen
		}
		w("PostgreSQL during that run, sampled every 10 ms (%s samples): on average %.2f of its backends were running\n"+
			"a statement for this database. The statements it was running most often, with their share of that time:\n\n",
			num(int64(p.samples)), float64(busy)/float64(p.samples))
		w("| share | statement (a long select list shown as …) |\n| ---: | --- |\n")
		for i, s := range p.database {
			if i == 6 {
				break
			}
			w("| %.0f%% | `%s` |\n", 100*float64(s.seen)/float64(max(busy, 1)), strings.ReplaceAll(s.query, "|", "\\|"))
		}
		w("\n")
	}
	w("Samen's CPU from the handler down, cumulative (`go tool pprof -top -cum -show_from='^samen/handlers\\.'`):\n\n```\n%s\n```\n\n", trimPprof(p.cum))
	w("Samen's CPU by function, flat (`go tool pprof -top`):\n\n```\n%s\n```\n", trimPprof(p.top))
}

// trimPprof drops pprof's header lines that name the binary and file.
func trimPprof(out string) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "File:") || strings.HasPrefix(line, "Build ID:") || strings.HasPrefix(line, "Type:") || strings.HasPrefix(line, "Time:") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}

func (r *report) hasVote() bool {
	for _, res := range r.results {
		if res.endpoint.key == "vote" {
			return true
		}
	}
	return false
}

func (r *report) ceilingAddr() string { return fmt.Sprintf("127.0.0.1:%d", r.settings.port+1) }

// quickSettings says how a quick check differs from the settings of record.
func (r *report) quickSettings() string {
	cfg := r.settings
	var parts []string
	add := func(name string, v, def any) {
		if fmt.Sprint(v) != fmt.Sprint(def) {
			parts = append(parts, fmt.Sprintf("%s=%v", name, v))
		}
	}
	add("BENCH_DURATION", cfg.duration, 15*time.Second)
	add("BENCH_RUNS", cfg.runs, 3)
	add("BENCH_CONNECTIONS", cfg.connections, 32)
	add("BENCH_USERS", cfg.users, 20000)
	add("BENCH_IDEAS", cfg.ideas, 100000)
	add("BENCH_VOTES", cfg.votes, 1000000)
	add("BENCH_COMMENTS", cfg.comments, 200000)
	return strings.Join(parts, ", ")
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// num writes a whole number with thousands separators.
func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.2f ms", v)
}

func kb(n int64) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }
