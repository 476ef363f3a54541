package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/gofiber/template/html/v2"
	"github.com/prometheus/client_golang/prometheus"

	"samen/handlers"
	"samen/models"
	"samen/static"
	"samen/views"
)

// contentSecurityPolicy allows only Samen's own scripts and styles; avatars
// may come from the sign-in providers over https.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' https: data:; font-src 'self'; connect-src 'self'; object-src 'none'; " +
	"base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// writeTimeout bounds writing an answer, and each event of a live stream.
const writeTimeout = 30 * time.Second

// bodyLimit caps every request body (413 above), but those that upload
// images (and the branding form, with a logo and a favicon of up to 1 MiB
// each), which uploadBodyLimit caps (see uploadAllowance).
const (
	bodyLimit       = 1 << 20
	uploadBodyLimit = models.MaxImagesPerPost*models.MaxImageBytes + bodyLimit
)

// NewServer builds the whole web application on a migrated store.
func NewServer(cfg Config, store *models.Store, log *slog.Logger) (*fiber.App, error) {
	app, _, err := newServer(cfg, store, log)
	return app, err
}

// newServer builds the application and gives the state its stop needs too.
func newServer(cfg Config, store *models.Store, log *slog.Logger) (*fiber.App, *server, error) {
	assets, err := static.Load()
	if err != nil {
		return nil, nil, err
	}
	bundle, err := views.Bundle()
	if err != nil {
		return nil, nil, err
	}
	engine := html.NewFileSystem(http.FS(views.FS), ".html")
	translations := views.NewTranslations(bundle)
	engine.AddFuncMap(views.Funcs(assets.URL, translations, func() time.Time { return store.Now() }))
	if err := engine.Load(); err != nil {
		return nil, nil, fmt.Errorf("load templates: %w", err)
	}
	for _, warning := range cfg.startWarnings() {
		log.Warn(warning)
	}
	limits, err := newRateLimitStorage(cfg)
	if err != nil {
		return nil, nil, err
	}

	blobs, err := openBlobs(context.Background(), cfg.BlobURL)
	if err != nil {
		return nil, nil, err
	}
	store.SetBlobs(blobs)

	deps := &handlers.Deps{Store: store, Bundle: bundle, Translations: translations, Asset: assets.URL, Log: log, Brand: cfg.Brand, BaseURL: cfg.BaseURL, Secure: cfg.Secure(), DefaultLanguage: cfg.DefaultLanguage,
		Live: cfg.LiveMaxConnections > 0}
	s := &server{cfg: cfg, store: store, log: log, deps: deps, limits: limits, metrics: newMetrics(store), providers: newProviders(cfg), pages: newPageCache(),
		writers: newWriters()}
	s.live = &handlers.Live{Deps: deps, MaxConnections: cfg.LiveMaxConnections, PerMember: cfg.LivePerMember, PerAddress: cfg.LivePerAddress,
		Idle: cfg.LiveIdle, Heartbeat: cfg.LiveHeartbeat, WriteTimeout: writeTimeout}
	s.metrics.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "samen_live_streams",
		Help: "Live page streams open on this instance.",
	}, func() float64 { return float64(s.live.Open()) }))
	if s.shares, err = handlers.NewShareImages(); err != nil {
		return nil, nil, err
	}
	s.metrics.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "samen_share_images_drawn_total",
		Help: "Share images drawn; every other answer came from the cache.",
	}, func() float64 { return float64(s.shares.Drawn()) }))
	s.metrics.registerCaches(map[string]cacheSize{
		"pages":        s.pages.size,
		"share_images": s.shares.Size,
		"list_totals":  store.CachedTotals,
		"idea_tags":    store.CachedTags,
		"credentials":  store.CachedCredentials,
	})
	store.SetWebhooks(models.WebhookOptions{RetryBase: cfg.WebhookRetryBase, AllowPrivate: cfg.WebhookAllowPrivate, Data: deps.WebhookData})

	app := fiber.New(fiber.Config{
		Immutable:               true,
		Views:                   engine,
		ErrorHandler:            s.handleError,
		BodyLimit:               bodyLimit,
		ReadBufferSize:          16 << 10, // request headers up to 16 KiB (many cookies)
		ReadTimeout:             15 * time.Second,
		WriteTimeout:            writeTimeout,
		IdleTimeout:             120 * time.Second,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             cfg.ProxyHeader,
		DisableStartupMessage:   true,
		AppName:                 "samen",
	})

	app.Use(s.recoverer())
	app.Use(requestid.New(requestid.Config{Generator: newRequestID}))
	app.Use(s.accessLog)
	app.Use(helmet.New(helmet.Config{
		XSSProtection:             "0",
		ContentTypeNosniff:        "nosniff",
		XFrameOptions:             "DENY",
		ReferrerPolicy:            "same-origin",
		CrossOriginEmbedderPolicy: "credentialless",
		CrossOriginOpenerPolicy:   "same-origin",
		CrossOriginResourcePolicy: "same-origin",
		ContentSecurityPolicy:     contentSecurityPolicy,
		PermissionPolicy:          "camera=(), microphone=(), geolocation=(), payment=()",
	}))
	if cfg.Secure() {
		app.Use(func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000; includeSubDomains")
			return c.Next()
		})
	}
	// Live streams go out event by event, uncompressed (see handlers.Live).
	app.Use(compress.New(compress.Config{Next: func(c *fiber.Ctx) bool { return c.Path() == "/live" }}))
	app.Server().HeaderReceived = uploadAllowance
	app.Hooks().OnShutdown(blobs.Close)

	// A request answered while the server stops says Connection: close, so
	// the client does not send another on a connection about to close.
	app.Server().CloseOnShutdown = true

	s.routes(app, assets)
	return app, s, nil
}

// server holds what the middleware and the error handler share.
type server struct {
	cfg     Config
	store   *models.Store
	log     *slog.Logger
	deps    *handlers.Deps
	limits  fiber.Storage
	metrics *metrics
	// pages keeps the list and idea pages rendered for visitors, briefly.
	pages *pageCache
	// writers are the members who wrote a moment ago (see replicaReads).
	writers *writers
	// shares draws the share images and keeps the recent ones.
	shares *handlers.ShareImages

	providers []*handlers.Provider

	// live serves the live pages' streams.
	live *handlers.Live

	// stopping turns /readyz to 503 once SIGTERM has come.
	stopping atomic.Bool
}

// tokenPaths start the paths whose last part is a secret token.
var tokenPaths = []string{"/auth/email/", "/unsubscribe/"}

// logPath is the request's path as every log line shows it: without the
// query string (it may carry OAuth codes) and with secret tokens cut off.
func logPath(c *fiber.Ctx) string {
	path := c.Path()
	for _, prefix := range tokenPaths {
		if strings.HasPrefix(path, prefix) {
			return prefix + "…"
		}
	}
	return path
}

// accessLog writes one structured line per request (see logPath).
func (s *server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		// The error handler has not run yet; log the status it will give.
		status = statusOf(err)
	}
	elapsed := time.Since(start)
	s.metrics.observe(c.Method(), c.Route().Path, status, elapsed)
	s.log.LogAttrs(c.UserContext(), slog.LevelInfo, "request",
		slog.String("method", c.Method()),
		slog.String("path", logPath(c)),
		slog.Int("status", status),
		slog.Duration("duration", elapsed),
		slog.String("ip", clientIP(c, s.cfg)),
		slog.String("request_id", requestID(c)),
	)
	return err
}

// recoverer turns a panic into a 500 and logs it.
func (s *server) recoverer() fiber.Handler {
	return recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic})
}

func (s *server) logPanic(c *fiber.Ctx, e any) {
	s.log.Error("panic", slog.Any("panic", e), slog.String("path", logPath(c)), slog.String("request_id", requestID(c)))
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals("requestid").(string)
	return id
}
