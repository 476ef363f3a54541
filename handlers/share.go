package handlers

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/models"
	"samen/views"
)

// ShareBrand is what share images and Open Graph tags show of the brand.
type ShareBrand struct {
	Name   string
	Colour color.RGBA
	// Logo is the brand's logo, decoded; nil draws Samen's mark.
	Logo image.Image
	// Version changes whenever Name, Colour or Logo does (the branding's
	// update time, say): it is part of every share image's cache key.
	Version string
}

// defaultBrandColour is --brand in static/css/samen.css.
var defaultBrandColour = color.RGBA{0x0b, 0x6e, 0x4f, 0xff}

// brandForShare is the one place share images and tags learn the brand:
// the community's name, its accent colour (else Samen's) and its logo (else
// Samen's mark), from /admin/branding.
func (d *Deps) brandForShare(c *fiber.Ctx) ShareBrand {
	b := d.BrandingOf(c)
	brand := ShareBrand{Name: d.BrandName(c), Colour: defaultBrandColour, Version: strconv.FormatInt(b.Version, 10)}
	if rgb, err := strconv.ParseUint(strings.TrimPrefix(b.Accent, "#"), 16, 32); err == nil && len(b.Accent) == 7 {
		brand.Colour = color.RGBA{uint8(rgb >> 16), uint8(rgb >> 8), uint8(rgb), 0xff}
	}
	brand.Logo = shareLogos.decoded(b.LogoHash, b.Logo)
	return brand
}

// shareLogos keeps the brand's logo decoded, so that working out a share
// image's cache key does not decode it on every request.
var shareLogos logoCache

type logoCache struct {
	mu   sync.Mutex
	hash string
	img  image.Image
}

// decoded is the PNG of the given hash, decoded; nil when there is none or
// it does not decode (Samen encoded it, so that would be a bug).
func (l *logoCache) decoded(hash string, data []byte) image.Image {
	if hash == "" || len(data) == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hash != hash {
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return nil
		}
		l.hash, l.img = hash, img
	}
	return l.img
}

// ShareMeta are a page's Open Graph and Twitter card tags (see
// partials/share.html): set on public pages worth sharing, nil elsewhere.
type ShareMeta struct {
	Title, Description, URL, Type, SiteName, Locale string
	Image, ImageAlt                                 string
	ImageWidth, ImageHeight                         int
	// Links are the share links the page offers, when it offers them.
	Links *ShareLinks
}

// ShareLinks are plain links that share a page on X, Facebook, LinkedIn,
// Pinterest and by email: no third-party script is loaded.
type ShareLinks struct {
	X, Facebook, LinkedIn, Pinterest, Email string
}

// shareEscape encodes a query value with %20 for spaces: mail clients read
// a "+" in a mailto: link as a plus.
func shareEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

func newShareLinks(m *ShareMeta) *ShareLinks {
	u, title := shareEscape(m.URL), shareEscape(m.Title)
	return &ShareLinks{
		X:         "https://twitter.com/intent/tweet?url=" + u + "&text=" + title,
		Facebook:  "https://www.facebook.com/sharer/sharer.php?u=" + u,
		LinkedIn:  "https://www.linkedin.com/sharing/share-offsite/?url=" + u,
		Pinterest: "https://pinterest.com/pin/create/button/?url=" + u + "&media=" + shareEscape(m.Image) + "&description=" + title,
		Email:     "mailto:?subject=" + title + "&body=" + shareEscape(m.Title+"\n\n"+m.URL),
	}
}

// excerpt is the start of a plain text for a description: at most about
// 200 characters, cut at a word, with an ellipsis when cut.
func excerpt(text string) string {
	const most = 200
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= most {
		return text
	}
	runes := []rune(text)[:most]
	cut := string(runes)
	if i := strings.LastIndexByte(cut, ' '); i > most/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

var ogLocales = map[string]string{"en": "en_US", "nl": "nl_NL"}

// shareMeta fills what every shared page has; path is the page's own path,
// image the share image's path and key its cache key (to name the image's version).
func (d *Deps) shareMeta(l Layout, brand ShareBrand, title, description, path, imagePath, key string) *ShareMeta {
	q := url.Values{"lang": {l.Lang}, "v": {key[:12]}}
	return &ShareMeta{
		Title: title, Description: description, URL: d.BaseURL + path, Type: "website",
		SiteName: brand.Name, Locale: ogLocales[l.Lang],
		Image: d.BaseURL + imagePath + "?" + q.Encode(), ImageAlt: title,
		ImageWidth: views.CardWidth, ImageHeight: views.CardHeight,
	}
}

// ideaShare is the idea page's tags and share links; nil for an idea that
// is not public (hidden, awaiting review, merged).
func (d *Deps) ideaShare(c *fiber.Ctx, l Layout, idea *models.Idea) *ShareMeta {
	if idea.State != models.StatePublished || idea.MergedInto != nil {
		return nil
	}
	brand := d.brandForShare(c)
	card := ideaCard(brand, idea, l.Lang, l.L)
	text := idea.BodyText
	if text == "" {
		text = d.Store.PlainText(idea.BodyHTML)
	}
	m := d.shareMeta(l, brand, idea.Title, excerpt(text), ideaPath(idea), fmt.Sprintf("/ideas/%d/share.png", idea.ID), cardKey(card, brand))
	m.Type = "article"
	m.ImageAlt = views.T(l.L, "share.image_alt", "Title", idea.Title, "Votes", card.Votes, "Status", card.Status)
	m.Links = newShareLinks(m)
	return m
}

// entryShare is a published changelog entry's tags and share links; nil for a draft.
func (d *Deps) entryShare(c *fiber.Ctx, l Layout, e *models.ChangelogEntry) *ShareMeta {
	if e.PublishedAt == nil {
		return nil
	}
	brand := d.brandForShare(c)
	card := entryCard(brand, e, l.L)
	path := fmt.Sprintf("/changelog/%d", e.ID)
	m := d.shareMeta(l, brand, e.Title, excerpt(d.Store.PlainText(e.BodyHTML)), path, path+"/share.png", cardKey(card, brand))
	m.Type = "article"
	m.Links = newShareLinks(m)
	return m
}

// pageShare is the tags of a page with the brand's generic card: the
// roadmap and the changelog. titleID names the page, leadID describes it.
func (d *Deps) pageShare(c *fiber.Ctx, l Layout, path, titleID, leadID string) *ShareMeta {
	brand := d.brandForShare(c)
	card := pageCard(brand, l.L, titleID, leadID)
	title := views.T(l.L, titleID) + " · " + brand.Name
	return d.shareMeta(l, brand, title, views.T(l.L, leadID, "Brand", brand.Name), path, path+"/share.png", cardKey(card, brand))
}

func ideaCard(brand ShareBrand, idea *models.Idea, lang string, l *i18n.Localizer) views.Card {
	votes := views.T(l, "ideas.votes", "Count", idea.Votes)
	if idea.Sealed {
		votes = views.T(l, "ideas.sealed_hint")
	}
	return views.Card{
		Brand: brand.Name, Colour: brand.Colour, Logo: brand.Logo,
		Kicker: views.T(l, "share.kicker_idea"), Title: idea.Title,
		Votes: votes, Status: idea.Status.NameIn(lang), StatusC: parseColour(idea.Status.Colour),
	}
}

func entryCard(brand ShareBrand, e *models.ChangelogEntry, l *i18n.Localizer) views.Card {
	return views.Card{
		Brand: brand.Name, Colour: brand.Colour, Logo: brand.Logo,
		Kicker: views.T(l, "changelog.title"), Title: e.Title,
		Votes: views.T(l, "share.delivers", "Count", len(e.Ideas)),
	}
}

func pageCard(brand ShareBrand, l *i18n.Localizer, titleID, leadID string) views.Card {
	return views.Card{
		Brand: brand.Name, Colour: brand.Colour, Logo: brand.Logo,
		Kicker: views.T(l, titleID), Title: views.T(l, leadID, "Brand", brand.Name),
	}
}

// parseColour reads "#rrggbb"; anything else is the muted grey of new statuses.
func parseColour(hexColour string) color.RGBA {
	v, err := strconv.ParseUint(strings.TrimPrefix(hexColour, "#"), 16, 32)
	if err != nil || len(hexColour) != 7 {
		return color.RGBA{0x5f, 0x6b, 0x73, 0xff}
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
}

// cardKey names a card by everything drawn on it, the drawing's version and
// the brand's: the cache key of its image and, quoted, its ETag.
func cardKey(card views.Card, brand ShareBrand) string {
	h := sha256.New()
	for _, part := range []string{
		views.CardVersion, brand.Version, card.Brand, card.Kicker, card.Title, card.Votes, card.Status,
		fmt.Sprintf("%02x%02x%02x %02x%02x%02x %t", card.Colour.R, card.Colour.G, card.Colour.B,
			card.StatusC.R, card.StatusC.G, card.StatusC.B, card.Logo != nil),
	} {
		fmt.Fprintf(h, "%d:%s;", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// ShareImages draws share images and keeps the most recent ones, encoded,
// in memory: at most maxImages of them and maxBytes in all. Only a few are
// drawn at once, so a crawler asking for many ideas together waits instead
// of taking every core and many megabytes.
type ShareImages struct {
	painter *views.Painter
	slots   chan struct{}

	mu    sync.Mutex
	lru   *list.List // of *shareImage, most recent first
	byKey map[string]*list.Element
	bytes int
	drawn atomic.Uint64
}

type shareImage struct {
	key string
	png []byte
}

// The share image cache's bounds.
const (
	maxImages      = 512
	maxImageBytes  = 32 << 20
	drawsAtOnce    = 2
	shareCacheCtrl = "public, max-age=0, must-revalidate"
)

// NewShareImages makes the painter and an empty cache.
func NewShareImages() (*ShareImages, error) {
	p, err := views.NewPainter()
	if err != nil {
		return nil, err
	}
	return &ShareImages{painter: p, slots: make(chan struct{}, drawsAtOnce), lru: list.New(), byKey: map[string]*list.Element{}}, nil
}

// Drawn counts the images drawn since start: every other answer came from the cache.
func (s *ShareImages) Drawn() uint64 { return s.drawn.Load() }

func (s *ShareImages) cached(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byKey[key]; ok {
		s.lru.MoveToFront(e)
		return e.Value.(*shareImage).png, true
	}
	return nil, false
}

func (s *ShareImages) keep(key string, png []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byKey[key]; ok {
		return
	}
	s.byKey[key] = s.lru.PushFront(&shareImage{key, png})
	s.bytes += len(png)
	for s.lru.Len() > maxImages || s.bytes > maxImageBytes {
		last := s.lru.Back()
		old := last.Value.(*shareImage)
		s.lru.Remove(last)
		delete(s.byKey, old.key)
		s.bytes -= len(old.png)
	}
}

// Size is how many images the cache keeps, and their bytes.
func (s *ShareImages) Size() (entries, bytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lru.Len(), s.bytes
}

// image returns the card's PNG from the cache, or draws and keeps it.
func (s *ShareImages) image(ctx context.Context, key string, card views.Card) ([]byte, error) {
	if png, ok := s.cached(key); ok {
		return png, nil
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.slots }()
	if png, ok := s.cached(key); ok { // drawn while this request waited
		return png, nil
	}
	png, err := s.painter.PNG(card)
	if err != nil {
		return nil, err
	}
	s.drawn.Add(1)
	s.keep(key, png)
	return png, nil
}

// Share answers the share images: one per idea and changelog entry, and the
// brand's card for the roadmap and the changelog. They are public, the same
// for everyone: an idea or entry that a visitor may not see has none.
type Share struct {
	*Deps
	Images *ShareImages
}

// shareLanguage is the image's language: the lang its page's tag names,
// else the one the request asks for.
func (h *Share) shareLanguage(c *fiber.Ctx) (string, *i18n.Localizer) {
	return h.Localizer(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
}

// Idea answers GET /ideas/:id/share.png.
func (h *Share) Idea(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	idea, err := h.Store.Idea(c.UserContext(), id, nil)
	if err != nil {
		return err
	}
	if idea.MergedInto != nil {
		return fiber.ErrNotFound
	}
	lang, l := h.shareLanguage(c)
	brand := h.brandForShare(c)
	return h.send(c, brand, ideaCard(brand, idea, lang, l))
}

// Entry answers GET /changelog/:id/share.png for a published entry.
func (h *Share) Entry(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := h.Store.ChangelogEntry(c.UserContext(), id, nil)
	if err != nil {
		return err
	}
	_, l := h.shareLanguage(c)
	brand := h.brandForShare(c)
	return h.send(c, brand, entryCard(brand, e, l))
}

// Roadmap answers GET /roadmap/share.png: the brand's card.
func (h *Share) Roadmap(c *fiber.Ctx) error {
	_, l := h.shareLanguage(c)
	brand := h.brandForShare(c)
	return h.send(c, brand, pageCard(brand, l, "roadmap.title", "roadmap.lead"))
}

// Changelog answers GET /changelog/share.png: the brand's card.
func (h *Share) Changelog(c *fiber.Ctx) error {
	_, l := h.shareLanguage(c)
	brand := h.brandForShare(c)
	return h.send(c, brand, pageCard(brand, l, "changelog.title", "changelog.lead"))
}

// send answers with the card's image, or 304 when the caller holds it: the
// ETag names what is drawn, so it changes exactly when the image would.
// Caches may keep the image but ask again each time (a 304 is cheap).
func (h *Share) send(c *fiber.Ctx, brand ShareBrand, card views.Card) error {
	etag := `"` + cardKey(card, brand) + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, shareCacheCtrl)
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptLanguage)
	// Social networks and chat apps show the image on their own pages.
	c.Set("Cross-Origin-Resource-Policy", "cross-origin")
	// The same answer for everyone, kept by shared caches: without the
	// visitor's CSRF cookie that the middleware sets on every answer.
	c.Response().Header.DelAllCookies()
	if ETagListed(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	png, err := h.Images.image(c.UserContext(), strings.Trim(etag, `"`), card)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(png)
}

// ETagListed reports whether an If-None-Match header names etag, compared
// weakly (a W/ prefix on either side counts for nothing), as RFC 9110 asks
// of If-None-Match.
func ETagListed(header, etag string) bool {
	if header == "" {
		return false
	}
	etag = strings.TrimPrefix(etag, "W/")
	for candidate := range strings.SplitSeq(header, ",") {
		candidate = strings.TrimSpace(candidate)
		if candidate == "*" || strings.TrimPrefix(candidate, "W/") == etag {
			return true
		}
	}
	return false
}
