package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"samen/models"
)

// Config is Samen's configuration, read once from the environment at start.
type Config struct {
	Addr        string `env:"SAMEN_ADDR" envDefault:"127.0.0.1:8080"`
	BaseURL     string `env:"SAMEN_BASE_URL" envDefault:"http://localhost:8080"`
	DatabaseURL string `env:"DATABASE_URL" envDefault:"sqlite:./data/samen.db"`
	// ReplicaURLs are PostgreSQL read replicas of DATABASE_URL; ReplicaLag is
	// how far behind they may be (see docs/scaling.md).
	ReplicaURLs []string      `env:"DATABASE_REPLICA_URLS" envSeparator:","`
	ReplicaLag  time.Duration `env:"DATABASE_REPLICA_LAG" envDefault:"5s"`
	Env         string        `env:"SAMEN_ENV" envDefault:"development"`
	Brand       string        `env:"SAMEN_BRAND_NAME" envDefault:"Samen"`
	// DefaultLanguage is the community's language for whoever has not chosen
	// one and whose browser asks for none Samen speaks.
	DefaultLanguage string `env:"SAMEN_DEFAULT_LANGUAGE" envDefault:"en"`

	AdminEmails []string `env:"SAMEN_ADMIN_EMAILS" envSeparator:","`
	SMTPURL     string   `env:"SAMEN_SMTP_URL"`
	MailFrom    string   `env:"SAMEN_MAIL_FROM"`
	// MailLog, set to MailLogAllowInsecure, lets production write emails
	// (sign-in links included) to the log when there is no SMTP server.
	MailLog string `env:"SAMEN_MAIL_LOG"`
	// MailDelay is how long a notification email waits to gather further
	// updates on the same idea; 0s sends at once.
	MailDelay time.Duration `env:"SAMEN_MAIL_DELAY" envDefault:"2m"`
	RedisURL  string        `env:"SAMEN_REDIS_URL"`

	RateLimits        string `env:"SAMEN_RATE_LIMITS" envDefault:"on"`
	RateLimitRequests int    `env:"SAMEN_RATE_LIMIT_REQUESTS" envDefault:"600"`
	RateLimitWrites   int    `env:"SAMEN_RATE_LIMIT_WRITES" envDefault:"60"`
	RateLimitSearches int    `env:"SAMEN_RATE_LIMIT_SEARCHES" envDefault:"60"`

	// PageCache "off" renders every page and API answer anew, for
	// measuring what rendering costs (see docs/benchmarks.md).
	PageCache string `env:"SAMEN_PAGE_CACHE" envDefault:"on"`

	SearchTimeout time.Duration `env:"SAMEN_SEARCH_TIMEOUT" envDefault:"2s"`
	// JobTimeout bounds one run of a background job; a job an instance was
	// running when it died is run again after twice as long.
	JobTimeout time.Duration `env:"SAMEN_JOB_TIMEOUT" envDefault:"1m"`

	TrustedProxies []string `env:"SAMEN_TRUSTED_PROXIES" envSeparator:","`
	ProxyHeader    string   `env:"SAMEN_PROXY_HEADER" envDefault:"X-Forwarded-For"`

	DBMaxConns      int           `env:"SAMEN_DB_MAX_CONNS" envDefault:"20"`
	ShutdownTimeout time.Duration `env:"SAMEN_SHUTDOWN_TIMEOUT" envDefault:"20s"`
	// DrainDelay is how long the server goes on serving after SIGTERM with
	// /readyz answering 503, before it stops taking requests: long enough
	// for a load balancer's health check to take it out (see docs/scaling.md).
	DrainDelay time.Duration `env:"SAMEN_DRAIN_DELAY" envDefault:"0s"`
	// Instances is how many instances the operator runs on this database:
	// more than one needs PostgreSQL, which tells every instance of every
	// write (see docs/scaling.md).
	Instances int `env:"SAMEN_INSTANCES" envDefault:"1"`

	// WebhookRetryBase is the wait before a failed delivery's first retry;
	// each next wait doubles. WebhookAllowPrivate lets webhooks reach
	// loopback, private and link-local addresses.
	WebhookRetryBase    time.Duration `env:"SAMEN_WEBHOOK_RETRY_BASE" envDefault:"30s"`
	WebhookAllowPrivate bool          `env:"SAMEN_WEBHOOK_ALLOW_PRIVATE" envDefault:"false"`

	// BlobURL is where images live: a folder, or an S3-compatible bucket
	// that several instances share (see docs/images.md).
	BlobURL string `env:"SAMEN_BLOB_URL" envDefault:"file://./data/blobs"`

	// Live pages (docs/live.md): the streams open at once on this instance
	// (0 turns live pages off), per member and per visitor's address; how
	// long a stream may go without an update before it closes, and how
	// often a quiet one sends a heartbeat.
	LiveMaxConnections int           `env:"SAMEN_LIVE_MAX_CONNECTIONS" envDefault:"1000"`
	LivePerMember      int           `env:"SAMEN_LIVE_PER_MEMBER" envDefault:"4"`
	LivePerAddress     int           `env:"SAMEN_LIVE_PER_ADDRESS" envDefault:"20"`
	LiveIdle           time.Duration `env:"SAMEN_LIVE_IDLE" envDefault:"5m"`
	LiveHeartbeat      time.Duration `env:"SAMEN_LIVE_HEARTBEAT" envDefault:"25s"`

	// PprofAddr, when set, serves Go's profiler there (for load tests); off by default.
	PprofAddr string `env:"SAMEN_PPROF_ADDR"`

	Providers map[string]ProviderKeys
	OIDC      OIDCConfig
}

// MailLogAllowInsecure is the one value of SAMEN_MAIL_LOG: the operator's
// word that, without SMTP, live sign-in links may go to a production log.
const MailLogAllowInsecure = "allow-insecure"

// ProviderKeys are one social sign-in provider's OAuth client.
type ProviderKeys struct {
	Key    string
	Secret string
}

// OIDCConfig is a generic OpenID Connect provider (Keycloak, Auth0, Okta, ...).
type OIDCConfig struct {
	Issuer string `env:"SAMEN_OIDC_ISSUER"`
	Key    string `env:"SAMEN_OIDC_KEY"`
	Secret string `env:"SAMEN_OIDC_SECRET"`
	Name   string `env:"SAMEN_OIDC_NAME" envDefault:"Single sign-on"`
}

// ProviderNames are the social providers configured by SAMEN_<NAME>_KEY and
// SAMEN_<NAME>_SECRET.
var ProviderNames = []string{"google", "github", "facebook", "twitter", "linkedin", "apple", "microsoft", "discord", "pinterest"}

// ConfigError names the variable that stopped the start.
type ConfigError struct {
	Var string
	Msg string
}

func (e *ConfigError) Error() string { return e.Var + ": " + e.Msg }

// LoadConfig reads and checks the configuration from environ ("KEY=value" pairs).
func LoadConfig(environ []string) (Config, error) {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	cfg, err := env.ParseAsWithOptions[Config](env.Options{Environment: vars})
	if err != nil {
		return cfg, translateEnvError(err)
	}
	cfg.Providers = map[string]ProviderKeys{}
	for _, name := range ProviderNames {
		prefix := "SAMEN_" + strings.ToUpper(name)
		keys := ProviderKeys{Key: vars[prefix+"_KEY"], Secret: vars[prefix+"_SECRET"]}
		switch {
		case keys.Key == "" && keys.Secret == "":
		case keys.Key == "":
			return cfg, &ConfigError{prefix + "_KEY", "is required when " + prefix + "_SECRET is set"}
		case keys.Secret == "":
			return cfg, &ConfigError{prefix + "_SECRET", "is required when " + prefix + "_KEY is set"}
		default:
			cfg.Providers[name] = keys
		}
	}
	return cfg, cfg.validate()
}

func (c *Config) validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return &ConfigError{"SAMEN_ADDR", "must be host:port, as in 127.0.0.1:8080"}
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return &ConfigError{"SAMEN_BASE_URL", "must be an http or https URL, as in https://ideas.example.com"}
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	if _, _, err := models.ParseDatabaseURL(c.DatabaseURL); err != nil {
		return &ConfigError{"DATABASE_URL", err.Error()}
	}
	if err := c.validReplicas(); err != nil {
		return err
	}
	if c.Env != "development" && c.Env != "production" {
		return &ConfigError{"SAMEN_ENV", "must be development or production"}
	}
	if strings.TrimSpace(c.Brand) == "" {
		return &ConfigError{"SAMEN_BRAND_NAME", "must not be empty"}
	}
	if c.DefaultLanguage != "en" && c.DefaultLanguage != "nl" {
		return &ConfigError{"SAMEN_DEFAULT_LANGUAGE", "must be en or nl"}
	}
	for i, e := range c.AdminEmails {
		normal, err := models.NormalizeEmail(e)
		if err != nil {
			return &ConfigError{"SAMEN_ADMIN_EMAILS", fmt.Sprintf("%q %s", strings.TrimSpace(e), err)}
		}
		c.AdminEmails[i] = normal
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return &ConfigError{"SAMEN_SMTP_URL", "must be smtp://user:password@host:port or smtps://..."}
		}
		if c.MailFrom == "" {
			return &ConfigError{"SAMEN_MAIL_FROM", "is required when SAMEN_SMTP_URL is set"}
		}
	}
	if c.MailLog != "" && c.MailLog != MailLogAllowInsecure {
		return &ConfigError{"SAMEN_MAIL_LOG", "must be " + MailLogAllowInsecure + " or unset"}
	}
	if c.Production() && c.SMTPURL == "" && c.MailLog != MailLogAllowInsecure {
		return &ConfigError{"SAMEN_SMTP_URL", "is required in production: without it emails, and the sign-in links in them, " +
			"are written to the log (set SAMEN_MAIL_LOG=" + MailLogAllowInsecure + " to accept that)"}
	}
	if c.MailFrom != "" {
		if _, err := models.NormalizeEmail(c.MailFrom); err != nil {
			return &ConfigError{"SAMEN_MAIL_FROM", "must be an email address"}
		}
	}
	if c.MailDelay < 0 || c.MailDelay > 24*time.Hour {
		return &ConfigError{"SAMEN_MAIL_DELAY", "must be a duration from 0s to 24h, as in 2m"}
	}
	if c.RedisURL != "" {
		u, err := url.Parse(c.RedisURL)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			return &ConfigError{"SAMEN_REDIS_URL", "must be redis://host:port/db or rediss://..."}
		}
	}
	if c.RateLimits != "on" && c.RateLimits != "off" {
		return &ConfigError{"SAMEN_RATE_LIMITS", "must be on or off"}
	}
	if c.PageCache != "on" && c.PageCache != "off" {
		return &ConfigError{"SAMEN_PAGE_CACHE", "must be on or off"}
	}
	if c.RateLimitRequests < 1 {
		return &ConfigError{"SAMEN_RATE_LIMIT_REQUESTS", "must be at least 1 (requests a minute per address)"}
	}
	if c.RateLimitWrites < 1 {
		return &ConfigError{"SAMEN_RATE_LIMIT_WRITES", "must be at least 1 (writes a minute per member)"}
	}
	if c.RateLimitSearches < 1 {
		return &ConfigError{"SAMEN_RATE_LIMIT_SEARCHES", "must be at least 1 (searches a minute per address)"}
	}
	if c.LiveMaxConnections < 0 {
		return &ConfigError{"SAMEN_LIVE_MAX_CONNECTIONS", "must be 0 (live pages off) or more"}
	}
	if c.LivePerMember < 1 {
		return &ConfigError{"SAMEN_LIVE_PER_MEMBER", "must be at least 1 (live streams per member)"}
	}
	if c.LivePerAddress < 1 {
		return &ConfigError{"SAMEN_LIVE_PER_ADDRESS", "must be at least 1 (live streams per visitor's address)"}
	}
	if c.LiveIdle < time.Second {
		return &ConfigError{"SAMEN_LIVE_IDLE", "must be a duration of at least 1s, as in 5m"}
	}
	if c.LiveHeartbeat < time.Second || c.LiveHeartbeat > 5*time.Minute {
		return &ConfigError{"SAMEN_LIVE_HEARTBEAT", "must be a duration from 1s to 5m, as in 25s"}
	}
	if c.SearchTimeout <= 0 {
		return &ConfigError{"SAMEN_SEARCH_TIMEOUT", "must be a duration above zero, as in 2s"}
	}
	if c.JobTimeout < 15*time.Second || c.JobTimeout > time.Hour {
		// A webhook's attempt alone may take 20 s, and the rescue comes after twice the timeout.
		return &ConfigError{"SAMEN_JOB_TIMEOUT", "must be a duration from 15s to 1h, as in 1m"}
	}
	for i, p := range c.TrustedProxies {
		p = strings.TrimSpace(p)
		c.TrustedProxies[i] = p
		if _, err := netip.ParsePrefix(p); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(p); err != nil {
			return &ConfigError{"SAMEN_TRUSTED_PROXIES", fmt.Sprintf("%q is not an IP address or CIDR range", p)}
		}
	}
	if c.ProxyHeader == "" || strings.ContainsAny(c.ProxyHeader, " :\r\n") {
		return &ConfigError{"SAMEN_PROXY_HEADER", "must be a header name, as in X-Forwarded-For"}
	}
	if c.DBMaxConns < 1 || c.DBMaxConns > 1000 {
		return &ConfigError{"SAMEN_DB_MAX_CONNS", "must be between 1 and 1000"}
	}
	if _, _, err := net.SplitHostPort(c.PprofAddr); c.PprofAddr != "" && err != nil {
		return &ConfigError{"SAMEN_PPROF_ADDR", "must be host:port, as in 127.0.0.1:6060"}
	}
	if err := validBlobURL(c.BlobURL); err != nil {
		return err
	}
	if c.WebhookRetryBase <= 0 {
		return &ConfigError{"SAMEN_WEBHOOK_RETRY_BASE", "must be a positive duration, as in 30s"}
	}
	if c.ShutdownTimeout <= 0 {
		return &ConfigError{"SAMEN_SHUTDOWN_TIMEOUT", "must be a positive duration, as in 20s"}
	}
	if c.Instances < 1 {
		return &ConfigError{"SAMEN_INSTANCES", "must be 1 or more"}
	}
	if dialect, _, _ := models.ParseDatabaseURL(c.DatabaseURL); dialect == models.SQLite && c.Instances > 1 {
		return &ConfigError{"SAMEN_INSTANCES", "SQLite serves one instance: run several on PostgreSQL " +
			"(DATABASE_URL=postgres://...), which tells every instance of every write"}
	}
	if c.DrainDelay < 0 {
		return &ConfigError{"SAMEN_DRAIN_DELAY", "must be a duration of zero or more, as in 3s"}
	}
	if (c.OIDC.Issuer != "" || c.OIDC.Key != "" || c.OIDC.Secret != "") &&
		(c.OIDC.Issuer == "" || c.OIDC.Key == "" || c.OIDC.Secret == "") {
		missing := "SAMEN_OIDC_ISSUER"
		if c.OIDC.Key == "" {
			missing = "SAMEN_OIDC_KEY"
		} else if c.OIDC.Secret == "" {
			missing = "SAMEN_OIDC_SECRET"
		}
		return &ConfigError{missing, "is required when any SAMEN_OIDC_ variable is set"}
	}
	if c.OIDC.Issuer != "" {
		u, err := url.Parse(c.OIDC.Issuer)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return &ConfigError{"SAMEN_OIDC_ISSUER", "must be the provider's issuer URL"}
		}
		if u.Scheme != "https" && !loopbackHost(u.Hostname()) {
			return &ConfigError{"SAMEN_OIDC_ISSUER", "must be an https URL (http only on this machine, as in http://127.0.0.1:5556)"}
		}
	}
	return nil
}

// startWarnings name the settings that work but that production should not
// keep by mistake; the server logs them as it starts.
func (c *Config) startWarnings() []string {
	var list []string
	if c.RateLimits == "off" {
		list = append(list, "rate limits are off (SAMEN_RATE_LIMITS=off): use this for load tests only")
	}
	if c.WebhookAllowPrivate && c.Production() {
		list = append(list, "SAMEN_WEBHOOK_ALLOW_PRIVATE=true: webhooks may reach this machine and its private network")
	}
	if !c.Production() {
		return list
	}
	if u, err := url.Parse(c.BaseURL); err == nil && loopbackHost(u.Hostname()) {
		list = append(list, "SAMEN_BASE_URL is "+c.BaseURL+": links in emails and feeds point at this machine; "+
			"set it to the address people reach Samen at")
	}
	if c.SMTPURL == "" {
		list = append(list, "SAMEN_MAIL_LOG="+MailLogAllowInsecure+": emails, live sign-in links included, "+
			"are written to the log; whoever reads the log can sign in as their recipients")
	}
	return list
}

// loopbackHost reports whether a host name or address is this machine.
func loopbackHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && (addr.IsLoopback() || addr.IsUnspecified())
}

// validReplicas checks DATABASE_REPLICA_URLS (trimmed, empty entries
// dropped) and DATABASE_REPLICA_LAG.
func (c *Config) validReplicas() error {
	urls := c.ReplicaURLs[:0]
	for _, raw := range c.ReplicaURLs {
		if raw = strings.TrimSpace(raw); raw != "" {
			urls = append(urls, raw)
		}
	}
	c.ReplicaURLs = urls
	for i, raw := range urls {
		u, err := url.Parse(raw)
		if dialect, _, _ := models.ParseDatabaseURL(raw); err != nil || dialect != models.Postgres || u.Host == "" {
			return &ConfigError{"DATABASE_REPLICA_URLS", fmt.Sprintf("replica %d must be a postgres:// URL, as in postgres://samen@replica1:5432/samen "+
				"(several separated by commas)", i+1)}
		}
	}
	if dialect, _, _ := models.ParseDatabaseURL(c.DatabaseURL); len(urls) > 0 && dialect != models.Postgres {
		return &ConfigError{"DATABASE_REPLICA_URLS", "read replicas need DATABASE_URL on PostgreSQL (postgres://...)"}
	}
	if c.ReplicaLag <= 0 || c.ReplicaLag > time.Hour {
		return &ConfigError{"DATABASE_REPLICA_LAG", "must be a duration above zero and at most 1h, as in 5s"}
	}
	return nil
}

// Secure reports whether Samen is served over https.
func (c *Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// Production reports whether SAMEN_ENV is production.
func (c *Config) Production() bool { return c.Env == "production" }

// LogValue shows the configuration without its secrets.
func (c Config) LogValue() slog.Value {
	providers := make([]string, 0, len(c.Providers))
	for name := range c.Providers {
		providers = append(providers, name)
	}
	if c.OIDC.Issuer != "" {
		providers = append(providers, "oidc")
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("base_url", c.BaseURL),
		slog.String("database", redactURL(c.DatabaseURL)),
		slog.Int("read_replicas", len(c.ReplicaURLs)),
		slog.String("env", c.Env),
		slog.Bool("smtp", c.SMTPURL != ""),
		slog.Bool("redis", c.RedisURL != ""),
		slog.String("rate_limits", c.RateLimits),
		slog.String("page_cache", c.PageCache),
		slog.Any("providers", providers),
	)
}

// redactURL shows where a database is without any credentials: only the
// scheme, host and path (a password may sit in the user part or the query).
func redactURL(raw string) string {
	if strings.HasPrefix(raw, "sqlite:") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(hidden)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// translateEnvError turns the env library's error into one that names the variable.
func translateEnvError(err error) error {
	var agg env.AggregateError
	if errors.As(err, &agg) && len(agg.Errors) > 0 {
		err = agg.Errors[0]
	}
	var perr env.ParseError
	if errors.As(err, &perr) {
		return &ConfigError{envVarOf(perr.Name), fmt.Sprintf("cannot read as %s", friendlyType(perr.Type))}
	}
	return &ConfigError{"environment", err.Error()}
}

func envVarOf(field string) string {
	for _, t := range []reflect.Type{reflect.TypeFor[Config](), reflect.TypeFor[OIDCConfig]()} {
		if f, ok := t.FieldByName(field); ok {
			return f.Tag.Get("env")
		}
	}
	return field
}

func friendlyType(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[time.Duration]():
		return "a duration (as in 20s)"
	case reflect.TypeFor[int]():
		return "a whole number"
	}
	return t.String()
}
