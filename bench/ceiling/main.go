// Command ceiling is the yardstick of Samen's load test (`make bench`): the
// pages and API calls the test loads, served from the same PostgreSQL data
// with as little work as such a page needs. Fiber, pgx and html/template; one
// indexed query a page, two with a session (the session, then the page) and
// one round trip of two queries for an idea with its discussion; no
// middleware, no logs, no translations; what rarely changes (statuses,
// categories, the number of ideas) is read once at start. Samen's figures are
// read against it: Samen at 1.0× the ceiling would cost nothing beyond the
// page's own work.
//
// It serves, on CEILING_ADDR (default 127.0.0.1:8081), from DATABASE_URL:
//
//	GET    /                         the 20 hottest ideas; with a samen_session cookie, the member's votes marked
//	GET    /ideas/:id/:slug?         one idea with its voters, the team's answer and its comments; with a
//	                                 samen_session cookie, the member's vote and follow marked and the forms
//	                                 a member has (vote, follow, report, reply, comment)
//	GET    /search?q=                the 20 best of all matches, ranked as Samen ranks them, the matching words marked
//	GET    /api/v1/ideas             the 20 hottest ideas, as JSON in the shape of Samen's API; with a
//	                                 Samen API token (Authorization: Bearer), the caller's votes marked
//	POST   /api/v1/ideas/:id/vote    and DELETE, with a Samen API token
//
// Sessions and API tokens are Samen's own rows, so the same cookies and tokens
// work on both. A vote keeps the idea's counter equal to its rows, as Samen's does.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	addr := os.Getenv("CEILING_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8081"
	}
	dsn := os.Getenv("DATABASE_URL")
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		log.Fatal("ceiling: DATABASE_URL must be a postgres:// URL")
	}
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		log.Fatalf("ceiling: DATABASE_URL: %v", err)
	}
	cfg.MaxConns = 20 // as Samen's default pool
	db, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		log.Fatalf("ceiling: %v", err)
	}
	defer db.Close()
	s := &server{db: db, pages: template.Must(template.New("").Funcs(template.FuncMap{"report": reportFor}).Parse(pages))}
	if err := s.load(ctx); err != nil {
		log.Fatalf("ceiling: %v", err)
	}

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/", s.home)
	app.Get("/ideas/:id/:slug?", s.idea)
	app.Get("/search", s.search)
	app.Get("/api/v1/ideas", s.apiList)
	app.Post("/api/v1/ideas/:id/vote", func(c *fiber.Ctx) error { return s.vote(c, true) })
	app.Delete("/api/v1/ideas/:id/vote", func(c *fiber.Ctx) error { return s.vote(c, false) })
	log.Printf("ceiling: serving http://%s", addr)
	log.Fatal(app.Listen(addr))
}

type server struct {
	db         *pgxpool.Pool
	pages      *template.Template
	statuses   []option // the filter menus: statuses and categories change rarely
	categories []option
	total      int64 // published ideas: what a counter kept on write would hold
}

type option struct{ Slug, Name string }

// load reads what the pages show but rarely changes.
func (s *server) load(ctx context.Context) error {
	for _, menu := range []struct {
		table string
		into  *[]option
	}{{"statuses", &s.statuses}, {"categories", &s.categories}} {
		rows, err := s.db.Query(ctx, "SELECT slug, name FROM "+menu.table+" ORDER BY position, id")
		if err != nil {
			return err
		}
		if *menu.into, err = pgx.CollectRows(rows, pgx.RowToStructByPos[option]); err != nil {
			return err
		}
	}
	return s.db.QueryRow(ctx, "SELECT count(*) FROM ideas WHERE state = 'published' AND merged_into IS NULL").Scan(&s.total)
}

// member is who a session cookie stands for; nil for visitors.
type member struct {
	ID     int64
	Name   string
	secret []byte // the CSRF secret bound to the session
}

func (s *server) member(ctx context.Context, token string) (*member, error) {
	if token == "" {
		return nil, nil
	}
	hash := sha256.Sum256([]byte(token))
	m := &member{}
	err := s.db.QueryRow(ctx, `SELECT u.id, u.name FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > now() AND u.banned_at IS NULL`, hash[:]).Scan(&m.ID, &m.Name)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	secret := sha256.Sum256([]byte("session:" + token))
	m.secret = secret[:]
	return m, err
}

// csrf is a freshly masked token for the page's forms, as Samen's pages carry.
func csrf(m *member) string {
	secret := make([]byte, 32)
	if m != nil {
		copy(secret, m.secret)
	}
	out := make([]byte, 64)
	_, _ = rand.Read(out[:32])
	for i := range secret {
		out[32+i] = out[i] ^ secret[i]
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

// page is what every page's frame shows.
type page struct {
	Title      string
	Member     *member
	CSRF       string
	Statuses   []option
	Categories []option
	Total      int64
	Ideas      []listed
	Idea       *shown
	Query      string
	Results    []found
}

// listed is an idea in the list.
type listed struct {
	ID                     int64
	Title, Slug            string
	Votes, Comments        int
	Pinned, Voted, Open    bool
	StatusName, StatusKind string
	Category               *string
	AuthorID               int64
	AuthorName             string
}

// visible narrows ideas to those anyone may see, in every query below.
const visible = "i.state = 'published' AND i.merged_into IS NULL"

// hotPage is the hot sort's first page, read straight from the ideas_hot
// index, joined to what a row shows; $1 is the member (0 for visitors).
const hotPage = `SELECT i.id, i.title, i.slug, i.votes, i.comments, i.pinned,
	%s, s.kind NOT IN ('done', 'closed') AND NOT i.locked, s.name, s.kind, c.name, u.id, u.name
	FROM ideas i JOIN statuses s ON s.id = i.status_id JOIN users u ON u.id = i.author_id
	LEFT JOIN categories c ON c.id = i.category_id
	WHERE ` + visible + ` ORDER BY i.pinned DESC, i.hot DESC, i.id DESC LIMIT 20`

var (
	hotPageVisitor = strings.Replace(hotPage, "%s", "FALSE", 1)
	hotPageMember  = strings.Replace(hotPage, "%s", "EXISTS (SELECT 1 FROM votes v WHERE v.idea_id = i.id AND v.user_id = $1)", 1)
)

func (s *server) home(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, err := s.member(ctx, c.Cookies("samen_session"))
	if err != nil {
		return err
	}
	var rows pgx.Rows
	if m != nil {
		rows, err = s.db.Query(ctx, hotPageMember, m.ID)
	} else {
		rows, err = s.db.Query(ctx, hotPageVisitor)
	}
	if err != nil {
		return err
	}
	ideas, err := pgx.CollectRows(rows, pgx.RowToStructByPos[listed])
	if err != nil {
		return err
	}
	return s.render(c, "list", page{Member: m, CSRF: csrf(m), Statuses: s.statuses, Categories: s.categories, Total: s.total, Ideas: ideas})
}

// shown is an idea on its own page.
type shown struct {
	listed
	Locked     bool
	Following  bool          // the member follows the idea
	BodyHTML   template.HTML // stored sanitised, as Samen's
	AnswerHTML template.HTML
	CreatedAt  time.Time
	Voters     []string
	Comments   []comment
}

type comment struct {
	ID         int64
	ParentID   *int64
	BodyHTML   string
	CreatedAt  time.Time
	Deleted    bool
	AuthorID   int64
	AuthorName string
	Team       bool
}

func (c comment) Body() template.HTML { return template.HTML(c.BodyHTML) } // stored sanitised, as Samen's

func (s *server) idea(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	m, err := s.member(ctx, c.Cookies("samen_session"))
	if err != nil {
		return err
	}
	var who int64 // 0 for visitors: no vote and no subscription is theirs
	if m != nil {
		who = m.ID
	}
	batch := &pgx.Batch{}
	idea := &shown{}
	var body, answer *string
	batch.Queue(`SELECT i.id, i.title, i.slug, i.votes, i.comments, i.pinned,
		EXISTS (SELECT 1 FROM votes v WHERE v.idea_id = i.id AND v.user_id = $2),
		s.kind NOT IN ('done', 'closed') AND NOT i.locked,
		s.name, s.kind, c.name, u.id, u.name, i.locked,
		COALESCE((SELECT sub.following FROM subscriptions sub WHERE sub.idea_id = i.id AND sub.user_id = $2), FALSE),
		i.body_html, i.created_at,
		(SELECT sc.note_html FROM status_changes sc WHERE sc.idea_id = i.id AND sc.note <> '' ORDER BY sc.id DESC LIMIT 1),
		ARRAY(SELECT vu.name FROM votes v JOIN users vu ON vu.id = v.user_id WHERE v.idea_id = i.id
		      ORDER BY v.created_at DESC, vu.id DESC LIMIT 30)
		FROM ideas i JOIN statuses s ON s.id = i.status_id JOIN users u ON u.id = i.author_id
		LEFT JOIN categories c ON c.id = i.category_id
		WHERE i.id = $1 AND `+visible, id, who).QueryRow(func(row pgx.Row) error {
		l := &idea.listed
		return row.Scan(&l.ID, &l.Title, &l.Slug, &l.Votes, &l.Comments, &l.Pinned, &l.Voted, &l.Open, &l.StatusName, &l.StatusKind,
			&l.Category, &l.AuthorID, &l.AuthorName, &idea.Locked, &idea.Following, &body, &idea.CreatedAt, &answer, &idea.Voters)
	})
	batch.Queue(`SELECT cm.id, cm.parent_id, CASE WHEN cm.state = 'deleted' THEN '' ELSE cm.body_html END, cm.created_at,
		cm.state = 'deleted', u.id, u.name, u.role IN ('team', 'admin')
		FROM comments cm JOIN users u ON u.id = cm.user_id
		WHERE cm.idea_id = $1 AND cm.state IN ('published', 'deleted') ORDER BY cm.created_at, cm.id`, id).Query(func(rows pgx.Rows) error {
		var err error
		idea.Comments, err = pgx.CollectRows(rows, pgx.RowToStructByPos[comment])
		return err
	})
	if err := s.db.SendBatch(ctx, batch).Close(); errors.Is(err, pgx.ErrNoRows) {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	idea.BodyHTML = template.HTML(*body)
	if answer != nil {
		idea.AnswerHTML = template.HTML(*answer)
	}
	return s.render(c, "idea", page{Title: idea.Title, Member: m, CSRF: csrf(m), Idea: idea})
}

// reportForm is what a member's report form for an idea or a comment needs.
type reportForm struct {
	CSRF, Target, Next string
	ID                 int64
}

func reportFor(p page, target string, id int64) reportForm {
	return reportForm{CSRF: p.CSRF, Target: target, ID: id, Next: "/ideas/" + strconv.FormatInt(p.Idea.ID, 10) + "/" + p.Idea.Slug}
}

// found is a search result with its matches marked.
type found struct {
	ID                     int64
	Slug                   string
	Votes                  int
	StatusName, StatusKind string
	Title, Snippet         string // \x01 and \x02 around the matches
}

func (f found) TitleHTML() template.HTML   { return mark(f.Title) }
func (f found) SnippetHTML() template.HTML { return mark(f.Snippet) }

// mark escapes text and turns the database's \x01...\x02 into <mark>.
func mark(text string) template.HTML {
	escaped := template.HTMLEscapeString(text)
	return template.HTML(strings.NewReplacer("\x01", "<mark>", "\x02", "</mark>").Replace(escaped))
}

// terms are the words of a query as tsquery lexemes, as Samen's search
// makes them: lower case, one-letter words and repeats left out, a prefix
// (:*) from three letters on.
func terms(q string) []string {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
		if utf8.RuneCountInString(w) < 2 || slices.Contains(words, w+":*") || slices.Contains(words, w) {
			continue
		}
		if utf8.RuneCountInString(w) >= 3 {
			w += ":*"
		}
		words = append(words, w)
	}
	return words
}

// search ranks every match the way Samen does: the title that is the query,
// then the title holding the words as a phrase, the title holding every
// word, the words as a phrase anywhere, and the rest; within each, the most
// active first.
func (s *server) search(c *fiber.Ctx) error {
	q := c.Query("q")
	var results []found
	if words := terms(q); len(words) > 0 {
		title := make([]string, len(words))
		for i, w := range words {
			if strings.HasSuffix(w, ":*") {
				title[i] = w + "A"
			} else {
				title[i] = w + ":A"
			}
		}
		key := strings.TrimRight(strings.Join(strings.Fields(q), " "), ".!? ")
		// As Samen's search: from the search index, on one core (see
		// models.Store.searching).
		tx, err := s.db.Begin(c.UserContext())
		if err != nil {
			return err
		}
		defer tx.Rollback(c.UserContext()) //nolint:errcheck // read only: nothing to undo
		if _, err := tx.Exec(c.UserContext(), "SELECT set_config('enable_seqscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)"); err != nil {
			return err
		}
		rows, err := tx.Query(c.UserContext(), `WITH q AS (SELECT to_tsquery('simple', $1) AS q),
			hits AS (SELECT i.id, CASE WHEN rtrim(lower(i.title), '.!? ') = lower($2) THEN 5
			                          WHEN i.search @@ to_tsquery('simple', $3) THEN 4
			                          WHEN i.search @@ to_tsquery('simple', $4) THEN 3
			                          WHEN i.search @@ to_tsquery('simple', $5) THEN 2 ELSE 1 END AS tier
			         FROM ideas i, q WHERE i.search @@ q.q AND `+visible+`
			         ORDER BY i.pinned DESC, tier DESC, i.hot DESC, i.id DESC LIMIT 20)
			SELECT i.id, i.slug, i.votes, s.name, s.kind,
			       ts_headline('simple', i.title, q.q, 'HighlightAll=true, StartSel=' || chr(1) || ', StopSel=' || chr(2)),
			       ts_headline('simple', i.body_text, q.q, 'MaxWords=30, MinWords=12, StartSel=' || chr(1) || ', StopSel=' || chr(2))
			FROM hits JOIN ideas i ON i.id = hits.id JOIN statuses s ON s.id = i.status_id, q
			ORDER BY i.pinned DESC, hits.tier DESC, i.hot DESC, i.id DESC`,
			strings.Join(words, " & "), key, strings.Join(title, " <-> "), strings.Join(title, " & "), strings.Join(words, " <-> "))
		if err != nil {
			return err
		}
		if results, err = pgx.CollectRows(rows, pgx.RowToStructByPos[found]); err != nil {
			return err
		}
		if err := tx.Commit(c.UserContext()); err != nil {
			return err
		}
	}
	return s.render(c, "search", page{Title: "Search", CSRF: csrf(nil), Query: q, Results: results})
}

func (s *server) render(c *fiber.Ctx, name string, data page) error {
	c.Type("html", "utf-8")
	return s.pages.ExecuteTemplate(c.Response().BodyWriter(), name, data)
}

// apiIdea has the fields of Samen's API idea.
type apiIdea struct {
	ID         int64     `json:"id"`
	Title      string    `json:"title"`
	Slug       string    `json:"slug"`
	Body       string    `json:"body"`
	BodyHTML   string    `json:"body_html"`
	Status     string    `json:"status"`
	Category   *string   `json:"category"`
	Tags       []string  `json:"tags"`
	Author     apiAuthor `json:"author"`
	Votes      int       `json:"votes"`
	Comments   int       `json:"comments"`
	Voted      bool      `json:"voted"`
	Locked     bool      `json:"locked"`
	Pinned     bool      `json:"pinned"`
	MergedInto *int64    `json:"merged_into"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	URL        string    `json:"url"`
}

type apiAuthor struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	AvatarURL string `json:"avatar_url"`
}

// caller is the user an API token in the Authorization header stands for:
// 0 without one, fiber.ErrUnauthorized for a token Samen would refuse.
func (s *server) caller(c *fiber.Ctx) (int64, error) {
	header := c.Get(fiber.HeaderAuthorization)
	if header == "" {
		return 0, nil
	}
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return 0, fiber.ErrUnauthorized
	}
	hash := sha256.Sum256([]byte(strings.TrimSpace(token)))
	var id int64
	err := s.db.QueryRow(c.UserContext(), `SELECT t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.banned_at IS NULL`, hash[:]).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fiber.ErrUnauthorized
	}
	return id, err
}

func (s *server) apiList(c *fiber.Ctx) error {
	who, err := s.caller(c)
	if err != nil {
		return err
	}
	rows, err := s.db.Query(c.UserContext(), `SELECT i.id, i.title, i.slug, i.body, i.body_html, s.slug, c.slug,
		ARRAY(SELECT t.slug FROM idea_tags it JOIN tags t ON t.id = it.tag_id WHERE it.idea_id = i.id ORDER BY t.name),
		u.id, u.name, u.avatar_url, i.votes, i.comments,
		$1 <> 0 AND EXISTS (SELECT 1 FROM votes v WHERE v.idea_id = i.id AND v.user_id = $1), i.locked, i.pinned, i.merged_into, i.created_at, i.updated_at
		FROM ideas i JOIN statuses s ON s.id = i.status_id JOIN users u ON u.id = i.author_id
		LEFT JOIN categories c ON c.id = i.category_id
		WHERE `+visible+` ORDER BY i.pinned DESC, i.hot DESC, i.id DESC LIMIT 20`, who)
	if err != nil {
		return err
	}
	ideas, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (apiIdea, error) {
		var i apiIdea
		err := row.Scan(&i.ID, &i.Title, &i.Slug, &i.Body, &i.BodyHTML, &i.Status, &i.Category, &i.Tags,
			&i.Author.ID, &i.Author.Name, &i.Author.AvatarURL, &i.Votes, &i.Comments, &i.Voted, &i.Locked, &i.Pinned,
			&i.MergedInto, &i.CreatedAt, &i.UpdatedAt)
		i.CreatedAt, i.UpdatedAt = i.CreatedAt.UTC(), i.UpdatedAt.UTC()
		i.URL = "http://" + c.Hostname() + "/ideas/" + strconv.FormatInt(i.ID, 10) + "/" + i.Slug
		return i, err
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ideas": ideas, "page": 1, "per_page": 20, "total": s.total})
}

// voteSQL casts or withdraws a vote in one statement (one round trip, its own
// transaction): who the token stands for, whether the idea takes votes, the
// row, and the counter and hot score moved with it. %s is the row's change.
const voteSQL = `WITH who AS (
		SELECT t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $2 AND u.banned_at IS NULL),
	target AS (
		SELECT i.id, i.votes FROM ideas i JOIN statuses s ON s.id = i.status_id
		WHERE i.id = $1 AND ` + visible + ` AND NOT i.locked AND s.kind NOT IN ('done', 'closed')),
	changed AS (%s),
	others AS (
		SELECT created_at FROM votes WHERE idea_id = $1 AND user_id NOT IN (SELECT user_id FROM who)),
	counted AS (
		UPDATE ideas SET votes = votes + $3, hot = %s
		WHERE id IN (SELECT idea_id FROM changed) RETURNING votes)
	SELECT EXISTS (SELECT 1 FROM who), EXISTS (SELECT 1 FROM target),
		COALESCE((SELECT votes FROM counted), (SELECT votes FROM target), 0)`

// trendNow is the exponent of a vote's weight in the trending order now.
var trendNow = trendOf("now()")

var (
	// A vote cast adds its weight to the idea's log2 of the sum of weights;
	// one withdrawn is taken out by summing the others (and the idea's
	// creation, at 2^-10) anew, relative to the latest.
	castSQL = fmt.Sprintf(voteSQL, `INSERT INTO votes (idea_id, user_id, created_at)
		SELECT target.id, who.user_id, now() FROM target, who ON CONFLICT DO NOTHING RETURNING idea_id`,
		`greatest(hot, `+trendNow+`) + ln(1 + power(2, greatest(least(hot, `+trendNow+`) - greatest(hot, `+trendNow+`), -1000))) / ln(2)`)
	withdrawSQL = fmt.Sprintf(voteSQL, `DELETE FROM votes
		WHERE idea_id IN (SELECT id FROM target) AND user_id IN (SELECT user_id FROM who) RETURNING idea_id`,
		`(SELECT ref.x + ln(power(2, greatest(`+trendOf("ideas.created_at")+` - 10 - ref.x, -1000))
			+ COALESCE((SELECT SUM(power(2, greatest(`+trendOf("v.created_at")+` - ref.x, -1000))) FROM others v), 0)) / ln(2)
		FROM (SELECT greatest(`+trendOf("ideas.created_at")+` - 10, (SELECT MAX(`+trendOf("v.created_at")+`) FROM others v)) AS x) AS ref)`)
)

// trendOf is the exponent of the weight in the trending order of a vote
// cast at column: weights double every week from 2024-01-01.
func trendOf(column string) string {
	return `((extract(epoch FROM ` + column + `)::float8 - 1704067200) / 604800.0)`
}

func (s *server) vote(c *fiber.Ctx, cast bool) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	token, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok {
		return fiber.ErrUnauthorized
	}
	hash := sha256.Sum256([]byte(strings.TrimSpace(token)))
	query, delta := castSQL, 1
	if !cast {
		query, delta = withdrawSQL, -1
	}
	var (
		known, open bool
		votes       int
	)
	if err := s.db.QueryRow(c.UserContext(), query, id, hash[:], delta).Scan(&known, &open, &votes); err != nil {
		return err
	}
	switch {
	case !known:
		return fiber.ErrUnauthorized
	case !open:
		return fiber.ErrConflict
	}
	return c.JSON(fiber.Map{"voted": cast, "votes": votes})
}
