package main

import (
	"fmt"
	"strings"
	"time"
)

// The team workspace's section of docs/benchmarks.md lies between these
// markers; a run that loads the team's endpoints replaces it.
const (
	teamBegin = "<!-- make bench team: begin (written by bench/load; the next run replaces everything up to the end marker) -->"
	teamEnd   = "<!-- make bench team: end -->"
)

// teamMarkdown is the section of the team's workspace: the triage inbox, the
// roadmap and the analytics, each held against the ceiling's list page loaded
// in turn with it.
func (r *report) teamMarkdown(results []*result) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	cfg, d, fx := r.settings, r.data, r.fixtures

	w("## Team workspace at %s ideas (%s)\n\n", num(d.Ideas), r.started.UTC().Format("2006-01-02"))
	if !cfg.full() {
		w("> **A quick check, not the figures of record**: %s. The figures of record come from `make bench` with the\n"+
			"> default settings (3 runs of 15 s, 32 connections, the full data set).\n\n", r.quickSettings())
	}
	w("What it measures: the team's JSON endpoints loaded with wrk over 127.0.0.1 on Samen in production mode (rate\n" +
		"limits off), each in turns with the ceiling's list page (`bench/ceiling`, `GET " + ceilingList + "`: 20 ideas in hot\n" +
		"order as JSON, one indexed query), the cheapest list of ideas there is on this machine. The ceiling has no inbox,\n" +
		"roadmap or analytics, so the ratio is not like for like: it says how far each endpoint is from a plain list page,\n" +
		"measured in the same run. wrk, both servers and PostgreSQL share the machine's cores. The analytics' target is\n" +
		"the issue's: p99 under 50 ms.\n\n")
	keys := make([]string, len(results))
	for i, res := range results {
		keys[i] = res.endpoint.key
	}
	w("- Command: `createdb samen_bench && DATABASE_URL=postgres://USER@HOST:5432/samen_bench?sslmode=disable BENCH_HOSTILE=off BENCH_ENDPOINTS=%s go run ./bench/load`\n"+
		"  on a fresh database (`make bench` measures the same after the idea board's endpoints); it took %s\n",
		strings.Join(keys, ","), r.elapsed.Round(time.Second))
	if r.seed == nil {
		w("  (this run: `BENCH_KEEP_DATA=1`, on the data an earlier run had seeded with the same command)\n")
	}
	w("- Measured: commit %s, %s\n", r.commit, r.started.UTC().Format("2006-01-02 15:04 UTC"))
	m := r.machine
	w("- Machine: %d cores (%s), %s memory, %s; PostgreSQL %s on the same machine; %s; %s\n",
		m.cores, m.cpu, m.memory, m.kernel, d.PostgresVersion, m.goVersion, m.wrkV)
	w("- Data: `%s`: %s members, %s ideas, %s votes, %s comments; database %s MB\n",
		r.seedCommand, num(d.Users), num(d.Ideas), num(d.Votes), num(d.Comments), num(d.DatabaseMB))
	runs := fmt.Sprintf("%d runs", cfg.runs)
	if cfg.runs == 1 {
		runs = "1 run"
	}
	w("- Load: %d connections, %d wrk threads, %s of %s per server and endpoint after %s of warm-up on each,\n"+
		"  Samen and the ceiling in turns (Samen first in odd runs); the figures are the medians of the runs\n",
		cfg.connections, cfg.threads, runs, cfg.duration, cfg.warmup)
	w("- Fixtures: a team member made for the run (`team` role), with a read-only API token, asks for the inbox and\n" +
		"  the analytics; the roadmap is asked for anonymously")
	if fx.roadmapColumns > 0 {
		w(" (%d columns, %s ideas in the answer)", fx.roadmapColumns, num(fx.roadmapIdeas))
	}
	if fx.untriaged > 0 {
		w("; the inbox holds %s untriaged ideas (its total, as the answer gives it)", num(fx.untriaged))
	}
	w("\n")
	for _, key := range []string{"analytics", "analytics-365"} {
		if a, ok := fx.analytics[key]; ok {
			w("- `%s`: %s to %s, %s new ideas, %s votes and %s comments in the range\n", key, a.From, a.To, num(a.Ideas), num(a.Votes), num(a.Comments))
		}
	}
	w("\nThe seed's bulk data has fixed dates, from 2024-11-01 to 2026-11-01 (so that two databases seeded alike\n"+
		"compare), so the analytics' default range (the 30 days up to today) may hold none of it: both rows ask for the last\n"+
		"days of the data instead, up to its last vote or idea (%s).\n\n", fx.dataEnd.Format(time.DateOnly))
	w("| endpoint | one request alone | Samen req/s | p50 | p99 | ceiling list req/s | p50 | p99 | Samen / ceiling list | errors (Samen, ceiling) | target | met? |\n")
	w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n")
	var unanswered []string
	for _, res := range results {
		s, c := res.samen, res.ceiling
		target, met := res.endpoint.target, yesNo(res.met)
		if !res.judged {
			target, met = "—", "—"
		}
		p50, p99 := ms(s.p50), ms(s.p99)
		if s.rps == 0 {
			p50, p99 = "none answered", "none answered"
			unanswered = append(unanswered, "`"+res.endpoint.key+"`")
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s | %.2f× | %d, %d | %s | %s |\n", res.endpoint.name, ms(res.alone),
			num(int64(s.rps+0.5)), p50, p99, num(int64(c.rps+0.5)), ms(c.p50), ms(c.p99), res.ratio(),
			s.errors, c.errors, target, met)
	}
	w("\n\"One request alone\" is how long Samen took to answer the check's single request, before any load.\n")
	if len(unanswered) > 0 {
		w("On %s, Samen answered none of the %d connections' requests within a %s run (wrk counts no\n"+
			"timeout for a request still open when the run ends); PostgreSQL went on running the statements of those\n"+
			"requests during the ceiling's runs that followed, which lowers the ceiling's figures in that row.\n",
			strings.Join(unanswered, ", "), cfg.connections, cfg.duration)
	}

	w("\nCPU per request, in µs (medians of the runs; PostgreSQL is all its processes on the machine):\n\n")
	w("| endpoint | Samen | its PostgreSQL | ceiling list | its PostgreSQL |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, res := range results {
		s, c := res.samen, res.ceiling
		w("| %s | %.0f | %.0f | %.0f | %.0f |\n", res.endpoint.key, s.serverCPU, s.postgresCPU, c.serverCPU, c.postgresCPU)
	}
	w("\nEach run's requests/s and p99, in the order run:\n\n")
	for _, res := range results {
		var samen, ceiling []string
		for _, run := range res.runs {
			f := num(int64(run.rps+0.5)) + " (" + ms(run.p99) + ")"
			if run.server == "samen" {
				samen = append(samen, f)
			} else {
				ceiling = append(ceiling, f)
			}
		}
		w("- %s: Samen %s; ceiling list %s\n", res.endpoint.key, strings.Join(samen, " · "), strings.Join(ceiling, " · "))
	}

	w("\nThe exact commands (the bench starts both servers and makes the team member's token):\n\n```sh\n")
	w("DATABASE_URL=... %s\n", r.samenCommand)
	w("DATABASE_URL=... CEILING_ADDR=%s ceiling    # go build -o bench/out/ceiling ./bench/ceiling\n", r.ceilingAddr())
	for _, res := range results {
		w("%s\n%s\n", res.commands["samen"], res.commands["ceiling"])
	}
	w("```\n")
	r.exportMarkdown(&b)
	for _, res := range results {
		if res.profile != nil {
			r.profileSection(&b, res)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
