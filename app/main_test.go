package app

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

// runCLI runs the command line as the binary would, on the database.
func runCLI(t *testing.T, databaseURL string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, []string{"DATABASE_URL=" + databaseURL}, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCommandLine(t *testing.T) {
	for _, dialect := range []string{models.SQLite, models.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			db := modelstest.URL(t, dialect)

			code, out, errOut := runCLI(t, db, "migrate")
			if code != 0 || !strings.Contains(out, "applied 00001_base.sql\n") || strings.Count(out, "applied ") != models.MigrationCount() {
				t.Fatalf("migrate: %d %q %q", code, out, errOut)
			}
			code, out, errOut = runCLI(t, db, "migrate")
			if code != 0 || out != "the database was already up to date\n" {
				t.Fatalf("migrate again: %d %q %q", code, out, errOut)
			}

			code, out, errOut = runCLI(t, db, "user", "create", "--email", "Admin@Example.com", "--name", "Ada Admin", "--role", "admin")
			if code != 0 || !regexp.MustCompile(`^\d+\n$`).MatchString(out) {
				t.Fatalf("user create: %d %q %q", code, out, errOut)
			}
			code, _, errOut = runCLI(t, db, "user", "create", "--email", "admin@example.com", "--name", "Again")
			if code != 1 || !strings.Contains(errOut, "taken") || strings.Contains(errOut, "conflict") || strings.Count(errOut, "\n") != 1 {
				t.Fatalf("duplicate user: %d %q", code, errOut)
			}
			code, _, errOut = runCLI(t, db, "user", "create", "--email", "x@example.com", "--name", "X", "--role", "owner")
			if code != 1 || !strings.Contains(errOut, "role") {
				t.Fatalf("bad role: %d %q", code, errOut)
			}
			code, _, errOut = runCLI(t, db, "user", "create", "--name", "No Email")
			if code != 2 || !strings.Contains(errOut, "--email and --name are required") || !strings.Contains(errOut, "usage:") {
				t.Fatalf("missing email: %d %q", code, errOut)
			}

			code, out, errOut = runCLI(t, db, "user", "role", "--email", "admin@example.com", "--role", "moderator")
			if code != 0 {
				t.Fatalf("user role: %d %q %q", code, out, errOut)
			}
			code, _, errOut = runCLI(t, db, "user", "role", "--email", "nobody@example.com", "--role", "team")
			if code != 1 || !strings.Contains(errOut, "not found") {
				t.Fatalf("role of unknown user: %d %q", code, errOut)
			}

			code, out, errOut = runCLI(t, db, "token", "create", "--email", "admin@example.com", "--name", "ci")
			if code != 0 || !regexp.MustCompile(`^samen_[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
				t.Fatalf("token create: %d %q %q", code, out, errOut)
			}
			s := modelstest.Reopen(t, db)
			tok, err := s.AuthenticateAPIToken(context.Background(), strings.TrimSpace(out))
			if err != nil || tok.User.Role != models.RoleModerator || tok.User.Name != "Ada Admin" {
				t.Fatalf("the printed token acts for %+v, %v", tok, err)
			}
		})
	}
}

func TestEveryCommandAnswersHelp(t *testing.T) {
	for name := range commands {
		args := append(strings.Fields(name), "--help")
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "usage: samen") {
			t.Errorf("%s --help: exit %d, stdout %q, stderr %q", name, code, out.String(), errOut.String())
		}
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		var out bytes.Buffer
		if code := run(context.Background(), args, nil, &out, &out); code != 0 || !strings.Contains(out.String(), "samen user create") {
			t.Errorf("%v: exit %d, %q", args, code, out.String())
		}
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"frobnicate"}, nil, &out, &out); code != 2 || !strings.Contains(out.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, out.String())
	}
}

// TestCommandGroupsListTheirSubcommands: "samen user" and "samen token" say
// which subcommands they have; with --help on standard output and status 0,
// without a subcommand or with an unknown one on standard error and status 2.
func TestCommandGroupsListTheirSubcommands(t *testing.T) {
	for _, c := range []struct {
		args     []string
		code     int
		want     []string
		mistake  string
		toStdout bool
	}{
		{[]string{"user"}, 2, []string{"samen user create", "samen user role"}, "samen user needs a subcommand", false},
		{[]string{"user", "--help"}, 0, []string{"samen user create", "samen user role"}, "", true},
		{[]string{"user", "-h"}, 0, []string{"samen user create", "samen user role"}, "", true},
		{[]string{"token"}, 2, []string{"samen token create"}, "samen token needs a subcommand", false},
		{[]string{"token", "--help"}, 0, []string{"samen token create"}, "", true},
		{[]string{"user", "frobnicate"}, 2, []string{"samen user create", "samen user role"}, `unknown command "user frobnicate"`, false},
		{[]string{"user", "--email", "a@example.com"}, 2, []string{"samen user create", "samen user role"}, "samen user needs a subcommand", false},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), c.args, nil, &out, &errOut)
		shown, silent := errOut.String(), out.String()
		if c.toStdout {
			shown, silent = silent, shown
		}
		if code != c.code || silent != "" || !strings.Contains(shown, c.mistake) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", c.args, code, out.String(), errOut.String())
			continue
		}
		for _, sub := range c.want {
			if !strings.Contains(shown, sub) {
				t.Errorf("%v: %q does not list %q", c.args, shown, sub)
			}
		}
		if strings.Contains(shown, "samen seed") {
			t.Errorf("%v: %q lists other commands than the group's", c.args, shown)
		}
	}
}

// TestCommandLineMistakeIsSaidOnce: a bad flag or argument is named once, on
// standard error, with the command's usage, and the status is 2.
func TestCommandLineMistakeIsSaidOnce(t *testing.T) {
	for _, c := range []struct {
		args []string
		say  string
	}{
		{[]string{"user", "create", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"user", "create", "--email"}, "flag needs an argument: -email"},
		{[]string{"token", "create", "--email", "a@example.com", "extra"}, `unexpected argument "extra"`},
		{[]string{"migrate", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"--bogus"}, "flag provided but not defined: -bogus"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), c.args, nil, &out, &errOut)
		e := errOut.String()
		if code != 2 || out.String() != "" || strings.Count(e, c.say) != 1 || strings.Count(e, "usage: samen") != 1 || strings.Contains(e, "usage: flag") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want status 2 and %q once on stderr, with the usage once", c.args, code, out.String(), e, c.say)
		}
	}
}

func TestBadConfigurationStopsTheStartNamingTheVariable(t *testing.T) {
	cases := map[string]string{
		"SAMEN_ADDR=8080":                           "SAMEN_ADDR",
		"SAMEN_BASE_URL=ftp://x":                    "SAMEN_BASE_URL",
		"SAMEN_BASE_URL=localhost:8080":             "SAMEN_BASE_URL",
		"DATABASE_URL=mysql://x":                    "DATABASE_URL",
		"SAMEN_ENV=staging":                         "SAMEN_ENV",
		"SAMEN_ADMIN_EMAILS=a@example.com,not-one":  "SAMEN_ADMIN_EMAILS",
		"SAMEN_SMTP_URL=http://mail":                "SAMEN_SMTP_URL",
		"SAMEN_REDIS_URL=localhost:6379":            "SAMEN_REDIS_URL",
		"SAMEN_RATE_LIMITS=maybe":                   "SAMEN_RATE_LIMITS",
		"SAMEN_RATE_LIMIT_WRITES=lots":              "SAMEN_RATE_LIMIT_WRITES",
		"SAMEN_RATE_LIMIT_REQUESTS=0":               "SAMEN_RATE_LIMIT_REQUESTS",
		"SAMEN_TRUSTED_PROXIES=10.0.0.0/8,nope":     "SAMEN_TRUSTED_PROXIES",
		"SAMEN_SHUTDOWN_TIMEOUT=soon":               "SAMEN_SHUTDOWN_TIMEOUT",
		"SAMEN_JOB_TIMEOUT=5s":                      "SAMEN_JOB_TIMEOUT",
		"SAMEN_MAIL_DELAY=-1s":                      "SAMEN_MAIL_DELAY",
		"SAMEN_MAIL_DELAY=later":                    "SAMEN_MAIL_DELAY",
		"SAMEN_DB_MAX_CONNS=-1":                     "SAMEN_DB_MAX_CONNS",
		"SAMEN_INSTANCES=2":                         "SAMEN_INSTANCES",
		"SAMEN_DRAIN_DELAY=-1s":                     "SAMEN_DRAIN_DELAY",
		"SAMEN_GITHUB_KEY=abc":                      "SAMEN_GITHUB_SECRET",
		"SAMEN_OIDC_ISSUER=https://id.example.com":  "SAMEN_OIDC_KEY",
		"SAMEN_BLOB_URL=gs://images":                "SAMEN_BLOB_URL",
		"SAMEN_BLOB_URL=s3://?region=eu-west-1":     "SAMEN_BLOB_URL",
		"DATABASE_REPLICA_URLS=postgres://r1/samen": "DATABASE_REPLICA_URLS", // DATABASE_URL is SQLite
		"DATABASE_REPLICA_URLS=mysql://r1/samen":    "DATABASE_REPLICA_URLS",
		"DATABASE_REPLICA_LAG=0s":                   "DATABASE_REPLICA_LAG",
	}
	for setting, variable := range cases {
		_, err := LoadConfig([]string{setting})
		var cerr *ConfigError
		if !errors.As(err, &cerr) || cerr.Var != variable {
			t.Errorf("%s: got %v, want an error naming %s", setting, err, variable)
		}
		// Through the command line: one line, naming the variable, exit 1.
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"migrate"}, []string{setting}, &out, &errOut)
		if code != 1 || !strings.HasPrefix(errOut.String(), "samen: "+variable+": ") || strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q", setting, code, errOut.String())
		}
	}
	cfg, err := LoadConfig(nil)
	if err != nil || cfg.Addr != "127.0.0.1:8080" || cfg.DatabaseURL != "sqlite:./data/samen.db" || cfg.BaseURL != "http://localhost:8080" ||
		cfg.MailDelay != 2*time.Minute {
		t.Fatalf("defaults: %+v, %v", cfg, err)
	}
}

func TestSecretsStayOutOfTheLog(t *testing.T) {
	cfg, err := LoadConfig([]string{
		"DATABASE_URL=postgres://samen:hunter2@db:5432/samen?password=query-secret",
		"SAMEN_SMTP_URL=smtp://mail:smtp-secret@mail.example.com:587", "SAMEN_MAIL_FROM=ideas@example.com",
		"SAMEN_GITHUB_KEY=gh-key", "SAMEN_GITHUB_SECRET=gh-secret",
		"SAMEN_REDIS_URL=redis://:redis-secret@cache:6379/0",
		"SAMEN_OIDC_ISSUER=https://id.example.com", "SAMEN_OIDC_KEY=oidc-key", "SAMEN_OIDC_SECRET=oidc-secret",
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	newLogger(cfg, &buf).Info("starting", "config", cfg)
	newLogger(Config{Env: "production"}, &buf).Info("starting", "config", cfg)
	for _, secret := range []string{"hunter2", "smtp-secret", "gh-secret", "gh-key", "redis-secret", "oidc-secret", "query-secret"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the log shows %q:\n%s", secret, buf.String())
		}
	}
	if !strings.Contains(buf.String(), "github") {
		t.Errorf("the log does not say which providers are on:\n%s", buf.String())
	}
}

// TestProductionNeedsSMTPOrSaysSoInSoManyWords: without SMTP, emails (sign-in
// links included) go to the log, which production refuses unless the
// operator opts in by name.
func TestProductionNeedsSMTPOrSaysSoInSoManyWords(t *testing.T) {
	for _, tc := range []struct {
		environ []string
		refused string // the variable the refusal names, or "" to start
	}{
		{[]string{"SAMEN_ENV=production"}, "SAMEN_SMTP_URL"},
		{[]string{"SAMEN_ENV=production", "SAMEN_MAIL_LOG=yes"}, "SAMEN_MAIL_LOG"},
		{[]string{"SAMEN_ENV=production", "SAMEN_MAIL_LOG=allow-insecure"}, ""},
		{[]string{"SAMEN_ENV=production", "SAMEN_SMTP_URL=smtp://mail.example.com:587", "SAMEN_MAIL_FROM=ideas@example.com"}, ""},
		{[]string{"SAMEN_ENV=development"}, ""},
	} {
		_, err := LoadConfig(tc.environ)
		var cerr *ConfigError
		switch {
		case tc.refused == "" && err != nil:
			t.Errorf("%v: %v", tc.environ, err)
		case tc.refused != "" && (!errors.As(err, &cerr) || cerr.Var != tc.refused):
			t.Errorf("%v: got %v, want an error naming %s", tc.environ, err, tc.refused)
		case tc.refused == "SAMEN_SMTP_URL" && !strings.Contains(err.Error(), "SAMEN_MAIL_LOG=allow-insecure"):
			t.Errorf("%v: the refusal does not say how to opt in: %v", tc.environ, err)
		}
		if tc.refused == "" {
			continue
		}
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"migrate"}, append(tc.environ, "DATABASE_URL=sqlite:"+t.TempDir()+"/samen.db"), &out, &errOut)
		if code != 1 || !strings.HasPrefix(errOut.String(), "samen: "+tc.refused+": ") || strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", tc.environ, code, errOut.String())
		}
	}
}

// TestOIDCIssuerMustBeHTTPS: an issuer reached over plain http could be
// impersonated on the way; only this machine (tests, a local provider) may
// use http.
func TestOIDCIssuerMustBeHTTPS(t *testing.T) {
	for issuer, ok := range map[string]bool{
		"https://id.example.com/realms/community": true,
		"http://127.0.0.1:5556/oidc":              true,
		"http://[::1]:5556":                       true,
		"http://localhost:5556":                   true,
		"http://id.example.com/realms/community":  false,
		"http://10.0.0.5:8080":                    false,
		"http://localhost.example.com":            false,
		"ftp://id.example.com":                    false,
	} {
		environ := []string{"SAMEN_OIDC_ISSUER=" + issuer, "SAMEN_OIDC_KEY=k", "SAMEN_OIDC_SECRET=s"}
		_, err := LoadConfig(environ)
		var cerr *ConfigError
		switch {
		case ok && err != nil:
			t.Errorf("%s: %v", issuer, err)
		case !ok && (!errors.As(err, &cerr) || cerr.Var != "SAMEN_OIDC_ISSUER"):
			t.Errorf("%s: got %v, want an error naming SAMEN_OIDC_ISSUER", issuer, err)
		}
		if ok {
			continue
		}
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"migrate"}, append(environ, "DATABASE_URL=sqlite:"+t.TempDir()+"/samen.db"), &out, &errOut)
		if code != 1 || !strings.HasPrefix(errOut.String(), "samen: SAMEN_OIDC_ISSUER: ") || strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q", issuer, code, errOut.String())
		}
	}
}

func TestTokenCreateExpiresAndReadOnly(t *testing.T) {
	for _, dialect := range []string{models.SQLite, models.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			db := modelstest.URL(t, dialect)
			if code, _, errOut := runCLI(t, db, "user", "create", "--email", "ci@example.com", "--name", "CI"); code != 0 {
				t.Fatalf("user create: %d %q", code, errOut)
			}
			code, out, errOut := runCLI(t, db, "token", "create", "--email", "ci@example.com", "--expires", "30d", "--read-only")
			if code != 0 || !regexp.MustCompile(`^samen_[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
				t.Fatalf("token create: %d %q %q", code, out, errOut)
			}
			s := modelstest.Reopen(t, db)
			tok, err := s.AuthenticateAPIToken(context.Background(), strings.TrimSpace(out))
			if err != nil || !tok.ReadOnly || tok.ExpiresAt == nil ||
				tok.ExpiresAt.Sub(s.Now().Add(30*24*time.Hour)).Abs() > time.Hour {
				t.Fatalf("the printed token: %+v, %v", tok, err)
			}
			code, out, errOut = runCLI(t, db, "token", "create", "--email", "ci@example.com")
			if code != 0 {
				t.Fatalf("token create: %d %q", code, errOut)
			}
			tok, err = s.AuthenticateAPIToken(context.Background(), strings.TrimSpace(out))
			if err != nil || tok.ReadOnly || tok.ExpiresAt != nil {
				t.Fatalf("a plain token: %+v, %v", tok, err)
			}
			for _, bad := range []string{"soon", "0d", "-3d", "99999d"} {
				code, out, errOut = runCLI(t, db, "token", "create", "--email", "ci@example.com", "--expires", bad)
				if code == 0 || out != "" || !strings.Contains(errOut, "expires") || strings.Count(errOut, "\n") > 2 {
					t.Errorf("--expires %s: exit %d, stdout %q, stderr %q", bad, code, out, errOut)
				}
			}
		})
	}
}
