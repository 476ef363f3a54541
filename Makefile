# Samen's everyday commands. `make test` runs every test; PostgreSQL tests run
# when TEST_DATABASE_URL is set and browser tests when Chromium is found.

GO          ?= go
TESTFLAGS   ?=
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
# templ compiles the pages moved out of html/template (handlers/*.templ).
TEMPL       := github.com/a-h/templ/cmd/templ@v0.3.1118
# go.mod's toolchain, for where GOTOOLCHAIN=local keeps the go command on an
# older one: govulncheck runs on it (its standard library has no open
# advisories), and so do the fuzz targets (its fuzzing engine no longer fails
# a target whose time runs out in the middle of an input, go.dev/issue/75804).
TOOLCHAIN_GO := go1.27.3

.PHONY: run build generate test test-a11y lint vuln scale faults bench bench-fanout bench-hostile bench-micro bench-homesize fuzz-short

run:
	$(GO) run .

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o samen .

# Compiles handlers/*.templ into the *_templ.go beside them, which are
# committed: run it after changing a .templ file (make lint checks).
generate:
	$(GO) run $(TEMPL) generate -path handlers

# The browser tests (accessibility and phones among them) make app's tests
# longer than go test's default 10 minutes on a small CI machine.
test:
	$(GO) test -timeout 30m $(TESTFLAGS) ./...

# The accessibility and phone checks alone (docs/accessibility.md).
test-a11y:
	$(GO) test -run 'TestBrowser(Accessibility|Phones|VoteKeepsFocus)$$' -count=1 -v $(TESTFLAGS) ./app

lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) run $(TEMPL) fmt -fail handlers
	$(GO) run $(TEMPL) generate -path handlers
	@git diff --exit-code -- 'handlers/*_templ.go' || { echo "handlers/*_templ.go are older than their .templ: run make generate"; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# First the code's reachable advisories, then any advisory in any module the
# build requires, called or not (-scan module takes no package pattern).
vuln:
	GOTOOLCHAIN=$(TOOLCHAIN_GO) $(GO) run $(GOVULNCHECK) -db "file://$$(scripts/vulndb)" ./...
	GOTOOLCHAIN=$(TOOLCHAIN_GO) $(GO) run $(GOVULNCHECK) -db "file://$$(scripts/vulndb)" -scan module

# The scale-out harness (bench/scale): two instances built from this tree on
# a fresh database of TEST_DATABASE_URL's server and Redis (TEST_REDIS_URL,
# database 11, emptied) behind HAProxy (apt-get install -y haproxy): shared
# sessions and rate limits, each job once, a vote on the other instance's
# cached page, and a rolling restart under load. About a minute; see
# docs/scaling.md.
scale:
	SAMEN_SCALE=1 $(GO) test -count=1 -v -run TestScaleOut ./bench/scale

# The fault harness (bench/faults): two instances behind HAProxy on a
# PostgreSQL, a Redis, an SMTP server and a webhook receiver of its own
# (apt-get install -y postgresql redis-server haproxy), under steady load
# while PostgreSQL restarts, Redis stops, an instance is killed, SMTP
# refuses and webhooks hang. Writes its figures into docs/reliability.md and
# fails on a lost write, a counter off, a 500 or a hang. About 5 minutes.
faults:
	SAMEN_FAULTS=1 $(GO) test -count=1 -v -timeout 10m -run TestFaults ./bench/faults

# The load test at scale (bench/load): seeds the fresh PostgreSQL database that
# DATABASE_URL names, loads Samen and the ceiling program with wrk, then an
# idea page beside hostile searches on PostgreSQL and on SQLite, and writes
# the figures into docs/benchmarks.md. About 30 minutes; see that file.
bench:
	$(GO) run ./bench/load
	$(GO) run ./bench/fanout
	$(GO) run ./bench/homesize

# Only the part of make bench that measures a status change's fan-out to
# 10,000 followers, in notifications and email (a database of its own on the
# server of DATABASE_URL). About a minute.
bench-fanout:
	$(GO) run ./bench/fanout

# Only the part of make bench that measures a first visit of the branded home
# page: HTML, CSS, JS and images as sent gzipped, against a 50 KB budget (a
# SQLite database of its own; no DATABASE_URL needed). About 15 seconds.
bench-homesize:
	$(GO) run ./bench/homesize

# Only the part of make bench that measures an idea page beside hostile
# searches, on PostgreSQL (DATABASE_URL) and on SQLite (made in bench/out/).
bench-hostile:
	BENCH_HOSTILE=only $(GO) run ./bench/load

# The request path's Go benchmarks, on an empty SQLite database.
bench-micro:
	$(GO) test -run '^$$' -bench . -benchmem -count 3 ./bench/

# Each fuzz target for FUZZTIME (10 s), one after another on one core: what CI
# runs on every change. New failing inputs land in testdata/fuzz/<target>/;
# commit them with the fix. docs/fuzzing.md has the long runs.
FUZZTIME ?= 10s
FUZZ_TARGETS := ./models:FuzzMarkdown ./models:FuzzSlugify ./models:FuzzLinkMentions \
	./models:FuzzExportCSV ./app:FuzzWrites ./app:FuzzSearch
fuzz-short:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== $${t#*:} ($(FUZZTIME))"; \
		GOTOOLCHAIN=$(TOOLCHAIN_GO) $(GO) test $${t%%:*} -run '^$$' -fuzz="^$${t#*:}\$$" -fuzztime=$(FUZZTIME) -parallel=1 -timeout=0; \
	done
