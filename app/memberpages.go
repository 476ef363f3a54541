package app

import (
	"bytes"
	"crypto/rand"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"samen/handlers"
	"samen/models"
	"samen/views"
)

// sharedPage is a page rendered once for every plain member, cut where each
// member's own parts go (see views/shared.go).
type sharedPage struct {
	pieces []sharedPiece
	// votes and follows are the ideas whose buttons the page holds both ways.
	votes, follows []int64
	// owners get a page of their own (see handlers.ShareWithMembers).
	owners []int64
	size   int
	// account says the page holds the header's account block.
	account bool
}

// sharedPiece is a views.Piece with its texts cut where the CSRF token goes.
type sharedPiece struct {
	text    [][]byte
	kind    string
	id      int64
	yes, no [][]byte
}

// memberPages serves handler's page to a plain member from a render shared
// by every plain member speaking the same language in the same theme, with
// the member's own parts put in: their votes and follows, read in one
// indexed query, and the header's account block. The shared render is kept
// as a visitor's page is (pageCache): until the next write, on any instance,
// or pageTTL. Staff, who see more of a page, the authors of what a page shows,
// and lists narrowed to the member's own ideas or votes get a page rendered
// for them alone.
func (s *server) memberPages(handler fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v := s.deps.ViewerOf(c)
		if s.cfg.PageCache == "off" || v.User == nil || (v.CSRF == "" && !v.Bearer) || c.Method() != fiber.MethodGet ||
			c.Get("HX-Request") != "" || handlers.HasFlash(c) || models.StandingOf(v.User, s.store.Now()) != models.Member ||
			c.Query("mine") != "" || c.Query("voted") != "" || c.Query("category") != "" {
			return handler(c)
		}
		key := "member " + s.pageKey(c, v)
		page, ok, release := s.pages.lookup(key, s.store.Writes)
		if release != nil {
			defer release()
		}
		if !ok {
			if page, ok = s.renderShared(c, v, handler, key); !ok {
				return handler(c)
			}
		}
		if slices.Contains(page.shared.owners, v.User.ID) {
			return handler(c)
		}
		return s.serveShared(c, v, page)
	}
}

// renderShared renders handler's page for a member who is nobody in
// particular, and keeps it. It says false when the page cannot be shared
// (an error, a redirect, a handler that did not say it may be shared), with
// the response as it was before.
func (s *server) renderShared(c *fiber.Ctx, v *handlers.Viewer, handler fiber.Handler, key string) (cachedPage, bool) {
	writes := s.store.Writes()
	member, session, token, ctx := v.User, v.Session, v.CSRF, c.UserContext()
	nonce, mark, name := rand.Text(), tokenMark(), tokenMark()
	v.User = &models.User{ID: -1, Name: name, Role: models.RoleMember, Locale: member.Locale}
	v.Session, v.CSRF, v.Shared = nil, mark, nonce
	c.SetUserContext(s.store.ForCache(ctx))
	err := handler(c)
	v.User, v.Session, v.CSRF, v.Shared = member, session, token, ""
	c.SetUserContext(ctx)

	resp := c.Response()
	body := bytes.Clone(resp.Body())
	resp.ResetBody()
	owners, shareable := handlers.SharedOwners(c)
	if err != nil || resp.StatusCode() != fiber.StatusOK || !shareable || bytes.Contains(body, []byte(name)) {
		c.Status(fiber.StatusOK)
		return cachedPage{}, false
	}
	pieces, err := views.CutParts(body, nonce)
	if err != nil {
		s.log.Error("share a member's page", "path", c.Path(), "error", err)
		return cachedPage{}, false
	}
	shared := &sharedPage{owners: owners}
	cut := func(text []byte) [][]byte {
		shared.size += len(text)
		return bytes.Split(text, []byte(mark))
	}
	for _, p := range pieces {
		shared.pieces = append(shared.pieces, sharedPiece{text: cut(p.Text), kind: p.Kind, id: p.ID, yes: cut(p.Yes), no: cut(p.No)})
		switch p.Kind {
		case views.PartVote:
			shared.votes = append(shared.votes, p.ID)
		case views.PartFollow:
			shared.follows = append(shared.follows, p.ID)
		case views.PartAccount:
			shared.account = true
		}
	}
	page := cachedPage{shared: shared, contentType: string(resp.Header.ContentType()), at: time.Now(), writes: writes}
	s.pages.put(key, page)
	return page, true
}

// serveShared answers with a shared page and the member's own parts.
func (s *server) serveShared(c *fiber.Ctx, v *handlers.Viewer, page cachedPage) error {
	parts, err := s.store.MemberParts(c.UserContext(), v.User.ID, page.shared.account, page.shared.votes, page.shared.follows)
	if err != nil {
		return err
	}
	var account []byte
	if page.shared.account {
		if account, err = s.deps.AccountHTML(c, parts.Unread); err != nil {
			return err
		}
	}
	token, resp := []byte(v.CSRF), c.Response()
	resp.ResetBody()
	for _, p := range page.shared.pieces {
		switch {
		case p.kind == views.PartAccount:
			resp.AppendBody(account)
		case p.kind == views.PartVote && parts.Voted[p.id], p.kind == views.PartFollow && parts.Following[p.id]:
			appendJoined(resp, p.yes, token)
		case p.kind != "":
			appendJoined(resp, p.no, token)
		default:
			appendJoined(resp, p.text, token)
		}
	}
	c.Status(fiber.StatusOK)
	c.Set(fiber.HeaderContentType, page.contentType)
	return nil
}

// appendJoined appends parts to resp's body with token between them. The
// body is the response's pooled buffer, used again by later responses: a
// page served from its kept parts allocates no page-sized text of its own.
func appendJoined(resp *fasthttp.Response, parts [][]byte, token []byte) {
	for i, part := range parts {
		if i > 0 {
			resp.AppendBody(token)
		}
		resp.AppendBody(part)
	}
}
