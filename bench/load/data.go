package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"samen/models"
)

// database is the bench's own connection to the data under load.
type database struct{ *pgxpool.Pool }

func openDB(ctx context.Context, url string) (*database, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	return &database{pool}, nil
}

// ideaCount is how many ideas the database holds; 0 before the first migration.
func (db *database) ideaCount(ctx context.Context) (int64, error) {
	var exists bool
	if err := db.QueryRow(ctx, "SELECT to_regclass('ideas') IS NOT NULL").Scan(&exists); err != nil || !exists {
		return 0, err
	}
	var n int64
	err := db.QueryRow(ctx, "SELECT count(*) FROM ideas").Scan(&n)
	return n, err
}

// dataFacts describe the data under load.
type dataFacts struct {
	Users, Ideas, Votes, Comments           int64
	Categories, Statuses                    int64
	TopVotes, MedianVotes                   int64
	TopComments, IdeasWith50Comments        int64
	DatabaseMB, IdeasMB, VotesMB, CommentMB int64
	PostgresVersion                         string
}

func (db *database) dataFacts(ctx context.Context) (dataFacts, error) {
	var f dataFacts
	err := db.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM users), (SELECT count(*) FROM ideas), (SELECT count(*) FROM votes), (SELECT count(*) FROM comments),
		(SELECT count(DISTINCT category_id) FROM ideas), (SELECT count(DISTINCT status_id) FROM ideas),
		(SELECT COALESCE(max(votes), 0) FROM ideas),
		(SELECT COALESCE(percentile_disc(0.5) WITHIN GROUP (ORDER BY votes), 0) FROM ideas),
		(SELECT COALESCE(max(comments), 0) FROM ideas), (SELECT count(*) FROM ideas WHERE comments >= 50),
		pg_database_size(current_database()) >> 20, pg_total_relation_size('ideas') >> 20,
		pg_total_relation_size('votes') >> 20, pg_total_relation_size('comments') >> 20,
		current_setting('server_version')`).Scan(
		&f.Users, &f.Ideas, &f.Votes, &f.Comments, &f.Categories, &f.Statuses, &f.TopVotes, &f.MedianVotes,
		&f.TopComments, &f.IdeasWith50Comments, &f.DatabaseMB, &f.IdeasMB, &f.VotesMB, &f.CommentMB, &f.PostgresVersion)
	if err != nil {
		return f, fmt.Errorf("read the data's size: %w", err)
	}
	return f, nil
}

// counterMismatches counts the ideas whose vote counter differs from their rows.
func (db *database) counterMismatches(ctx context.Context) (int64, error) {
	var n int64
	err := db.QueryRow(ctx, `SELECT count(*) FROM ideas i
		LEFT JOIN (SELECT idea_id, count(*) AS n FROM votes GROUP BY idea_id) v ON v.idea_id = i.id
		WHERE i.votes <> COALESCE(v.n, 0)`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("check vote counters: %w", err)
	}
	return n, nil
}

// fixtures are what the load needs from the data: members signed in (a
// session for the pages, an API token for the votes), the idea page, the
// search, and ideas that take votes.
type fixtures struct {
	store                  *models.Store
	members                []member
	idea                   ideaRef
	searchMatches          int64
	voteIdeas              []int64
	sessionFile, tokenFile string
	ideaFile               string

	// The team's workspace: a team member with an API token, the day the
	// analytics' ranges end (the last day with a vote or an idea: the seed's
	// data has fixed dates, so the days up to today may hold none), and what
	// the checks found in the answers.
	team           member
	dataEnd        time.Time
	untriaged      int64
	roadmapColumns int
	roadmapIdeas   int64
	analytics      map[string]analyticsRange // by endpoint key
}

// analyticsPath asks for the analytics of the last days of the data.
func (fx *fixtures) analyticsPath(days int) string {
	return "/api/v1/analytics?from=" + fx.dataEnd.AddDate(0, 0, 1-days).Format(time.DateOnly) + "&to=" + fx.dataEnd.Format(time.DateOnly)
}

// analyticsRange is what an analytics answer says of its range.
type analyticsRange struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Ideas    int64  `json:"ideas"`
	Votes    int64  `json:"votes"`
	Comments int64  `json:"comments"`
}

type member struct {
	id             int64
	name           string
	session        string
	sessionID      int64
	token          string
	tokenID        int64
	hasVotesOnHome bool
}

type ideaRef struct {
	id       int64
	slug     string
	comments int
}

func (i ideaRef) path() string { return "/ideas/" + strconv.FormatInt(i.id, 10) + "/" + i.slug }

func prepareFixtures(ctx context.Context, db *database, cfg settings, p paths) (*fixtures, error) {
	fx := &fixtures{
		sessionFile: filepath.Join(p.out, "sessions.txt"),
		tokenFile:   filepath.Join(p.out, "tokens.txt"),
		ideaFile:    filepath.Join(p.out, "vote-ideas.txt"),
		analytics:   map[string]analyticsRange{},
	}
	err := db.QueryRow(ctx, `SELECT GREATEST((SELECT MAX(created_at) FROM votes), (SELECT MAX(created_at) FROM ideas))`).Scan(&fx.dataEnd)
	if err != nil {
		return nil, fmt.Errorf("the last day of the data: %w", err)
	}
	fx.dataEnd = fx.dataEnd.UTC().Truncate(24 * time.Hour)
	// The idea whose discussion is closest to 50 comments.
	err = db.QueryRow(ctx, `SELECT id, slug, comments FROM ideas WHERE state = 'published' AND merged_into IS NULL
		ORDER BY abs(comments - 50), id LIMIT 1`).Scan(&fx.idea.id, &fx.idea.slug, &fx.idea.comments)
	if err != nil {
		return nil, fmt.Errorf("find an idea with 50 comments: %w", err)
	}
	err = db.QueryRow(ctx, `SELECT count(*) FROM ideas WHERE state = 'published' AND merged_into IS NULL
		AND search @@ to_tsquery('simple', $1)`, strings.ToLower(cfg.search)+":*").Scan(&fx.searchMatches)
	if err != nil {
		return nil, fmt.Errorf("count the ideas matching %q: %w", cfg.search, err)
	}
	// The ideas members see first: the hottest that take votes.
	rows, err := db.Query(ctx, `SELECT i.id FROM ideas i JOIN statuses s ON s.id = i.status_id
		WHERE i.state = 'published' AND i.merged_into IS NULL AND NOT i.locked AND s.kind NOT IN ('done', 'closed')
		ORDER BY i.pinned DESC, i.hot DESC, i.id DESC LIMIT 1000`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		fx.voteIdeas = append(fx.voteIdeas, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(fx.voteIdeas) == 0 {
		return nil, fmt.Errorf("no idea takes votes")
	}
	// Members, in id order, each with votes of their own somewhere.
	rows, err = db.Query(ctx, `SELECT u.id, u.name, EXISTS (SELECT 1 FROM votes v WHERE v.user_id = u.id AND v.idea_id IN (
			SELECT id FROM ideas WHERE state = 'published' AND merged_into IS NULL ORDER BY pinned DESC, hot DESC, id DESC LIMIT 20))
		FROM users u WHERE u.role = 'member' AND u.banned_at IS NULL
		AND EXISTS (SELECT 1 FROM votes v WHERE v.user_id = u.id) ORDER BY u.id LIMIT $1`, cfg.members)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var m member
		if err := rows.Scan(&m.id, &m.name, &m.hasVotesOnHome); err != nil {
			return nil, err
		}
		fx.members = append(fx.members, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(fx.members) == 0 {
		return nil, fmt.Errorf("no members with votes in the database")
	}

	logf("signing in %d members: a session and an API token each", len(fx.members))
	fx.store, err = models.Open(ctx, cfg.databaseURL, models.Options{MaxOpenConns: 8})
	if err != nil {
		return nil, err
	}
	if err := fx.mint(ctx); err != nil {
		fx.revoke(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := fx.mintTeam(ctx); err != nil {
		fx.revoke(context.WithoutCancel(ctx))
		return nil, err
	}
	var sessions, tokens, ideas strings.Builder
	for _, m := range fx.members {
		sessions.WriteString(m.session + "\n")
		tokens.WriteString(m.token + "\n")
	}
	for _, id := range fx.voteIdeas {
		ideas.WriteString(strconv.FormatInt(id, 10) + "\n")
	}
	for file, text := range map[string]string{fx.sessionFile: sessions.String(), fx.tokenFile: tokens.String(), fx.ideaFile: ideas.String()} {
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			fx.revoke(context.WithoutCancel(ctx))
			return nil, err
		}
	}
	return fx, nil
}

// mint signs the members in through Samen's own store, eight at a time.
func (fx *fixtures) mint(ctx context.Context) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				m := &fx.members[i]
				token, sess, err := fx.store.CreateSession(ctx, m.id, "samen-bench", "127.0.0.1")
				if err == nil {
					m.session, m.sessionID = token, sess.ID
					var t *models.APIToken
					token, t, err = fx.store.CreateAPIToken(ctx, m.id, models.NewAPIToken{Name: "bench"})
					if err == nil {
						m.token, m.tokenID = token, t.ID
					}
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range fx.members {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// mintTeam makes a team member of its own for this run, with an API token, for
// the triage inbox and the analytics, and a session, for the CSV export.
func (fx *fixtures) mintTeam(ctx context.Context) error {
	u, err := fx.store.CreateUser(ctx, models.NewUser{Name: "Bench Team",
		Email: fmt.Sprintf("bench-team-%d@example.com", time.Now().UnixNano()), EmailVerified: true, Role: models.RoleTeam})
	if err != nil {
		return fmt.Errorf("make a team member: %w", err)
	}
	fx.team = member{id: u.ID, name: u.Name}
	session, sess, err := fx.store.CreateSession(ctx, u.ID, "samen-bench", "127.0.0.1")
	if err != nil {
		return fmt.Errorf("the team member's session: %w", err)
	}
	fx.team.session, fx.team.sessionID = session, sess.ID
	token, t, err := fx.store.CreateAPIToken(ctx, u.ID, models.NewAPIToken{Name: "bench", ReadOnly: true})
	if err != nil {
		return fmt.Errorf("the team member's API token: %w", err)
	}
	fx.team.token, fx.team.tokenID = token, t.ID
	return nil
}

// revoke ends the sessions and tokens the bench made, and removes their files.
func (fx *fixtures) revoke(ctx context.Context) {
	if fx.store == nil {
		return
	}
	for _, m := range append(fx.members, fx.team) {
		if m.sessionID != 0 {
			_ = fx.store.RevokeSession(ctx, m.id, m.sessionID)
		}
		if m.tokenID != 0 {
			_ = fx.store.RevokeAPIToken(ctx, m.id, m.tokenID)
		}
	}
	_ = fx.store.Close()
	fx.store = nil
	for _, f := range []string{fx.sessionFile, fx.tokenFile} {
		_ = os.Remove(f)
	}
}
