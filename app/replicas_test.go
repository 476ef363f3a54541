package app_test

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"samen/app"
	"samen/app/apptest"
	"samen/models"
	"samen/models/modelstest"
)

// TestAReadReplicaServesReadsAndTheWriterSeesTheirOwnVote runs Samen on a
// PostgreSQL primary of its own with a real streaming replica
// (pg_basebackup), then pauses the replica's replay: what the replica
// serves is the data from before the pause, so each answer shows where it
// was read. A member who votes sees their vote at once (the primary); a
// moderator, whose pages are their own, reads the replica, which has not
// got the vote; the pages and answers shared by visitors and by members,
// emptied by the vote, are filled again from the primary. Sessions, and rows
// the replica does not have yet, are read on the primary. Once replay
// resumes, everyone sees every vote.
func TestAReadReplicaServesReadsAndTheWriterSeesTheirOwnVote(t *testing.T) {
	pair := startReplicaPair(t)
	srv := apptest.At(t, pair.primaryURL, "DATABASE_URL="+pair.primaryURL, "DATABASE_REPLICA_URLS= "+pair.standbyURL+" ,",
		"DATABASE_REPLICA_LAG=1m", "SAMEN_RATE_LIMITS=off")
	if n := srv.Store.Replicas(); n != 1 {
		t.Fatalf("the store reads from %d replicas, want 1", n)
	}
	anna := bearerClient(t, srv, srv.User("Anna", "anna@example.com", models.RoleMember))
	id := createIdeaAPI(t, anna, "Kickstand that holds on hills")
	path := "/ideas/" + itoa(id) + "/kickstand-that-holds-on-hills"
	voter := srv.SignedIn(srv.User("Bram", "bram@example.com", models.RoleMember))
	reader := srv.SignedIn(srv.User("Cas", "cas@example.com", models.RoleModerator))
	member := srv.SignedIn(srv.User("Fenna", "fenna@example.com", models.RoleMember))
	tokenVoter := bearerClient(t, srv, srv.User("Dora", "dora@example.com", models.RoleMember))
	eve := srv.User("Eve", "eve@example.com", models.RoleMember)
	pair.waitReplayed(t)

	wantText(t, voter.Get(path), ".idea-header .vote-count", "1") // and its CSRF token
	pair.pauseReplay(t)

	// A session made while the replica is behind works at once: sessions
	// are looked up on the primary. An idea proposed meanwhile is not on
	// the replica yet, so another member's read of it goes on to the primary.
	if me := apiJSON[struct{ Name string }](t, apiCall(srv.SignedIn(eve), http.MethodGet, "/me", ""), http.StatusOK); me.Name != "Eve" {
		t.Fatalf("a member signed in while the replica was behind is %q, want Eve", me.Name)
	}
	fresh := createIdeaAPI(t, anna, "Mudguards that do not rattle")
	if got := apiIdea(t, apiCall(reader, http.MethodGet, "/ideas/"+itoa(fresh), ""), http.StatusOK); got.Title != "Mudguards that do not rattle" {
		t.Fatalf("another member reads the new idea as %q", got.Title)
	}

	// The voter sees their own vote at once, on the page and through the
	// API: those reads go to the primary, and none to the replica.
	wantStatus(t, voter.PostForm("/ideas/"+itoa(id)+"/vote", url.Values{"next": {path}}), http.StatusSeeOther)
	readsBefore := pair.standbyReads(t)
	r := voter.Get(path)
	wantText(t, r, ".idea-header .vote-count", "2")
	wantCount(t, r, `.idea-header button.vote-button.voted[aria-pressed="true"]`, 1)
	if got := apiIdea(t, apiCall(voter, http.MethodGet, "/ideas/"+itoa(id), ""), http.StatusOK); got.Votes != 2 || !got.Voted {
		t.Fatalf("the voter reads votes %d, voted %v through the API; want 2, true", got.Votes, got.Voted)
	}
	if n := pair.standbyReads(t); n != readsBefore {
		t.Fatalf("the voter's reads after their vote reached the replica: %d statements in its log, %d before", n, readsBefore)
	}

	// A moderator reads the paused replica.
	if got := apiIdea(t, apiCall(reader, http.MethodGet, "/ideas/"+itoa(id), ""), http.StatusOK); got.Votes != 1 || got.Voted {
		t.Fatalf("a moderator reads votes %d, voted %v; want 1, false from the paused replica", got.Votes, got.Voted)
	}
	wantText(t, reader.Get(path), ".idea-header .vote-count", "1")
	found := apiJSON[struct{ Ideas []ideaJSON }](t, apiCall(reader, http.MethodGet, "/ideas?q=kickstand", ""), http.StatusOK)
	if len(found.Ideas) != 1 || found.Ideas[0].Votes != 1 {
		t.Fatalf("a moderator's search finds %+v; want the idea with 1 vote, searched on the paused replica", found.Ideas)
	}
	if n := pair.standbyReads(t); n <= readsBefore {
		t.Fatalf("the replica's log shows %d reads of Samen's, %d before the other member's; want more", n, readsBefore)
	}
	// A visitor's page, which the vote emptied from the cache, is filled
	// again from the primary: a replica's older copy would stay cached. So
	// are the page and the answer shared by members, each with the
	// member's own vote.
	wantText(t, srv.Client().Get(path), ".idea-header .vote-count", "2")
	if got := apiIdea(t, apiCall(srv.Client(), http.MethodGet, "/ideas/"+itoa(id), ""), http.StatusOK); got.Votes != 2 {
		t.Fatalf("a visitor's API call reads %d votes, want 2 from the primary", got.Votes)
	}
	wantText(t, member.Get(path), ".idea-header .vote-count", "2")
	wantCount(t, member.Get(path), `.idea-header button.vote-button[aria-pressed="false"]`, 1)
	if got := apiIdea(t, apiCall(member, http.MethodGet, "/ideas/"+itoa(id), ""), http.StatusOK); got.Votes != 2 || got.Voted {
		t.Fatalf("another member reads votes %d, voted %v; want 2, false", got.Votes, got.Voted)
	}

	// A member voting with an API token (no cookies) reads the primary
	// afterwards too.
	if v := apiJSON[voteJSON](t, apiCall(tokenVoter, http.MethodPost, "/ideas/"+itoa(id)+"/vote", ""), http.StatusOK); v.Votes != 3 {
		t.Fatalf("the token's vote answered %d votes, want 3", v.Votes)
	}
	again := srv.Client() // no cookie from the vote's answer: only the token
	again.Header.Set("Authorization", tokenVoter.Header.Get("Authorization"))
	if got := apiIdea(t, apiCall(again, http.MethodGet, "/ideas/"+itoa(id), ""), http.StatusOK); got.Votes != 3 || !got.Voted {
		t.Fatalf("the token's member reads votes %d, voted %v; want 3, true", got.Votes, got.Voted)
	}
	if got := apiIdea(t, apiCall(reader, http.MethodGet, "/ideas/"+itoa(id), ""), http.StatusOK); got.Votes != 1 {
		t.Fatalf("a moderator reads %d votes, want 1 from the paused replica", got.Votes)
	}

	// Replay resumes: the replica has every vote.
	pair.resumeReplay(t)
	pair.waitReplayed(t)
	if got := apiIdea(t, apiCall(reader, http.MethodGet, "/ideas/"+itoa(id), ""), http.StatusOK); got.Votes != 3 {
		t.Fatalf("after replay a moderator reads %d votes, want 3", got.Votes)
	}
	wantText(t, reader.Get(path), ".idea-header .vote-count", "3")
}

// replicaPair is a PostgreSQL primary and a streaming replica of it, each a
// cluster of the test's own on a free port.
type replicaPair struct {
	primaryURL, standbyURL string
	primary, standby       *sql.DB // as postgres, on the postgres database
	standbyLog             string
}

// startReplicaPair makes the clusters with the PostgreSQL server programs
// (initdb, pg_ctl, pg_basebackup), as the postgres user when run as root.
// Without those programs the test skips, except in CI (CI=true), where it
// fails.
func startReplicaPair(t *testing.T) *replicaPair {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		reason := "read replica test skipped: the PostgreSQL server programs (initdb, pg_basebackup) are not installed"
		if os.Getenv("CI") == "true" {
			t.Fatal(reason + ", and CI must run it")
		}
		modelstest.Skip(t, reason)
	}
	dir, err := os.MkdirTemp("", "samen-replica-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	var prefix []string
	if os.Geteuid() == 0 { // initdb refuses root
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, and no postgres user to run the clusters: %v", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		prefix = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(name string, args ...string) {
		t.Helper()
		argv := append(append(prefix[:len(prefix):len(prefix)], filepath.Join(bin, name)), args...)
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
	}
	start := func(data string, port int, extra ...string) {
		t.Helper()
		opts := fmt.Sprintf("-c port=%d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c fsync=off "+
			"-c full_page_writes=off -c max_connections=60", port, dir)
		for _, e := range extra {
			opts += " -c " + e
		}
		run("pg_ctl", "-D", data, "-l", data+".log", "-w", "-t", "60", "-o", opts, "start")
		t.Cleanup(func() {
			argv := append(append(prefix[:len(prefix):len(prefix)], filepath.Join(bin, "pg_ctl")), "-D", data, "-m", "immediate", "-w", "stop")
			if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
				t.Logf("stop %s: %v\n%s", data, err, out)
			}
		})
	}
	primaryDir, standbyDir := filepath.Join(dir, "primary"), filepath.Join(dir, "standby")
	primaryPort, standbyPort := freePort(t), freePort(t)
	// initdb's default pg_hba.conf trusts local connections, replication included.
	run("initdb", "-D", primaryDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--no-instructions")
	start(primaryDir, primaryPort, "wal_level=replica", "max_wal_senders=4")
	p := &replicaPair{
		primaryURL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/samen?sslmode=disable", primaryPort),
		standbyURL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/samen?sslmode=disable", standbyPort),
		primary:    openPostgres(t, primaryPort),
	}
	if _, err := p.primary.Exec("CREATE DATABASE samen"); err != nil {
		t.Fatal(err)
	}
	run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(primaryPort), "-U", "postgres", "-D", standbyDir,
		"-R", "-X", "stream", "-c", "fast", "--no-sync")
	start(standbyDir, standbyPort, "hot_standby=on", "log_statement=all", "log_line_prefix='db=%d '")
	p.standbyLog = standbyDir + ".log"
	p.standby = openPostgres(t, standbyPort)
	var recovering bool
	if err := p.standby.QueryRow("SELECT pg_is_in_recovery()").Scan(&recovering); err != nil || !recovering {
		t.Fatalf("the second cluster is not a standby: %v, %v", recovering, err)
	}
	return p
}

// postgresBin finds the folder of the PostgreSQL server programs: Debian's
// newest version, or initdb on the PATH.
func postgresBin() string {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(found, func(i, j int) bool { return versionOf(found[i]) < versionOf(found[j]) })
	if len(found) > 0 {
		return filepath.Dir(found[len(found)-1])
	}
	if path, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_basebackup"); err == nil {
			return filepath.Dir(path)
		}
	}
	return ""
}

func versionOf(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func openPostgres(t *testing.T, port int) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(2)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// waitReplayed waits until the standby has replayed everything the primary
// had written when it was called.
func (p *replicaPair) waitReplayed(t *testing.T) {
	t.Helper()
	var lsn string
	if err := p.primary.QueryRow("SELECT pg_current_wal_insert_lsn()::text").Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	done := eventually(t, time.Now().Add(20*time.Second), func() bool {
		var caught bool
		err := p.standby.QueryRow("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", lsn).Scan(&caught)
		return err == nil && caught
	})
	if !done {
		t.Fatalf("the standby did not replay up to %s", lsn)
	}
}

func (p *replicaPair) pauseReplay(t *testing.T) {
	t.Helper()
	if _, err := p.standby.Exec("SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	paused := eventually(t, time.Now().Add(20*time.Second), func() bool {
		var state string
		err := p.standby.QueryRow("SELECT pg_get_wal_replay_pause_state()").Scan(&state)
		return err == nil && state == "paused"
	})
	if !paused {
		t.Fatal("the standby's replay did not pause")
	}
}

func (p *replicaPair) resumeReplay(t *testing.T) {
	t.Helper()
	if _, err := p.standby.Exec("SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
}

// standbyReads counts the SELECT statements on Samen's database in the
// replica's log (log_statement=all; a statement is logged before it runs).
func (p *replicaPair) standbyReads(t *testing.T) int {
	t.Helper()
	log, err := os.ReadFile(p.standbyLog)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(log), "\n") {
		if strings.HasPrefix(line, "db=samen ") && strings.Contains(strings.ToUpper(line), "SELECT") {
			n++
		}
	}
	return n
}

// TestReadReplicaSettings: DATABASE_REPLICA_URLS takes PostgreSQL URLs
// separated by commas, for a PostgreSQL DATABASE_URL, and the log shows how
// many there are, never where with which password.
func TestReadReplicaSettings(t *testing.T) {
	cfg, err := app.LoadConfig([]string{"DATABASE_URL=postgres://samen@db/samen",
		"DATABASE_REPLICA_URLS= postgres://samen:r1-secret@replica1/samen ,,postgresql://samen@replica2/samen"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"postgres://samen:r1-secret@replica1/samen", "postgresql://samen@replica2/samen"}; !slices.Equal(cfg.ReplicaURLs, want) ||
		cfg.ReplicaLag != 5*time.Second {
		t.Fatalf("replicas %q, lag %v; want %q, 5s", cfg.ReplicaURLs, cfg.ReplicaLag, want)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("starting", "config", cfg)
	if !strings.Contains(buf.String(), "read_replicas=2") || strings.Contains(buf.String(), "r1-secret") {
		t.Fatalf("the log: %s", buf.String())
	}
	for _, bad := range [][]string{
		{"DATABASE_URL=postgres://samen@db/samen", "DATABASE_REPLICA_URLS=postgres://samen@replica1/samen,replica2:5432"},
		{"DATABASE_URL=postgres://samen@db/samen", "DATABASE_REPLICA_URLS=postgres:///samen"},
		{"DATABASE_REPLICA_URLS=postgres://samen@replica1/samen"}, // on SQLite
	} {
		_, err := app.LoadConfig(bad)
		var cerr *app.ConfigError
		if !errors.As(err, &cerr) || cerr.Var != "DATABASE_REPLICA_URLS" {
			t.Errorf("%q: %v, want an error naming DATABASE_REPLICA_URLS", bad, err)
		}
	}
	if _, err := app.LoadConfig([]string{"DATABASE_URL=postgres://samen@db/samen", "DATABASE_REPLICA_LAG=soon"}); err == nil ||
		!strings.Contains(err.Error(), "DATABASE_REPLICA_LAG") {
		t.Errorf("DATABASE_REPLICA_LAG=soon: %v", err)
	}
}
