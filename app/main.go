// Package app wires Samen together: configuration, database, middleware,
// routes, the server's start and stop, and the command line.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"samen/models"
)

const usage = `Samen: a community co-creation platform.

Usage:
  samen [serve]                                  run the web server (default)
  samen migrate                                  apply migrations, then exit
  samen user create --email E --name N [--role member|moderator|team|admin]
                                                 create a user; prints the user id
  samen user role --email E --role R             change a user's role
  samen token create --email E [--name LABEL] [--expires 30d] [--read-only]
                                                 print a new API token, once
  samen seed [--demo] [--users N --ideas N --votes N --comments N]
                                                 add a demo community, or bench data
  samen healthcheck                              exit 0 when the server at SAMEN_ADDR is healthy
  samen backup --to FILE                         write a consistent backup of the running
                                                 database to a new file (docs/backups.md)

Every command reads its configuration from the environment (see README.md)
and answers --help.
`

// Main runs the command line and returns the process exit code.
func Main(args []string) int {
	return run(context.Background(), args[1:], os.Environ(), os.Stdout, os.Stderr)
}

// command is one subcommand: its usage line and what it does.
type command struct {
	usage string
	run   func(ctx context.Context, cli *cli, args []string) error
}

// cli is what a subcommand works with.
type cli struct {
	usage   string // the running command's usage line
	environ []string
	stdout  io.Writer
	stderr  io.Writer
	// migrated lists the migrations that open applied.
	migrated []string
}

var commands = map[string]command{
	"serve":        {"samen serve", runServe},
	"migrate":      {"samen migrate", runMigrate},
	"user create":  {"samen user create --email E --name N [--role member|moderator|team|admin]", runUserCreate},
	"user role":    {"samen user role --email E --role R", runUserRole},
	"token create": {"samen token create --email E [--name LABEL] [--expires 30d] [--read-only]", runTokenCreate},
	"seed":         {"samen seed [--demo] [--users N --ideas N --votes N --comments N]", runSeed},
	"healthcheck":  {"samen healthcheck", runHealthcheck},
	"backup":       {"samen backup --to FILE", runBackup},
}

// errUsage marks a mistake on the command line (exit status 2).
var errUsage = errors.New("usage")

func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	name, rest := "serve", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:]
		if _, ok := commands[name]; !ok && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
			name, rest = args[0]+" "+args[1], args[2:]
		}
	}
	if name == "help" || (len(args) > 0 && (args[0] == "--help" || args[0] == "-h")) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmd, ok := commands[name]
	if !ok {
		return unknownCommand(name, rest, stdout, stderr)
	}
	err := cmd.run(ctx, &cli{usage: cmd.usage, environ: environ, stdout: stdout, stderr: stderr}, rest)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		// The mistake alone, without errUsage's own word before it.
		fmt.Fprintf(stderr, "samen: %s\nusage: %s\n", strings.TrimPrefix(err.Error(), errUsage.Error()+": "), cmd.usage)
		return 2
	default:
		fmt.Fprintf(stderr, "samen: %v\n", err)
		return 1
	}
}

// unknownCommand answers a command name that is not in commands. A group
// ("user", "token") alone lists its subcommands: on standard output with
// --help, else as a mistake.
func unknownCommand(name string, rest []string, stdout, stderr io.Writer) int {
	group := strings.Fields(name)[0]
	var subs []string
	for n, cmd := range commands {
		if strings.HasPrefix(n, group+" ") {
			subs = append(subs, "  "+cmd.usage+"\n")
		}
	}
	if len(subs) == 0 {
		fmt.Fprintf(stderr, "samen: unknown command %q\n\n%s", name, usage)
		return 2
	}
	slices.Sort(subs)
	list := "Usage:\n" + strings.Join(subs, "") + "\nEach answers --help.\n"
	switch {
	case name != group:
		fmt.Fprintf(stderr, "samen: unknown command %q\n\n%s", name, list)
	case len(rest) > 0 && (rest[0] == "--help" || rest[0] == "-h"):
		fmt.Fprint(stdout, list)
		return 0
	default:
		fmt.Fprintf(stderr, "samen %s needs a subcommand.\n\n%s", group, list)
	}
	return 2
}

// flags parses a subcommand's flags; --help prints its usage and stops it.
// A mistake comes back as errUsage, for run to say once.
func (c *cli) flags(args []string, define func(fs *flag.FlagSet)) error {
	fs := flag.NewFlagSet(c.usage, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	define(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(c.stdout, "usage: %s\n", c.usage)
			fs.SetOutput(c.stdout)
			fs.PrintDefaults()
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

// open loads the configuration and opens the migrated store.
func (c *cli) open(ctx context.Context) (Config, *models.Store, *slog.Logger, error) {
	cfg, err := LoadConfig(c.environ)
	if err != nil {
		return cfg, nil, nil, err
	}
	log := newLogger(cfg, c.stderr)
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	store, err := models.Open(openCtx, cfg.DatabaseURL, models.Options{
		Logger: log, MaxOpenConns: cfg.DBMaxConns, SMTPURL: cfg.SMTPURL, MailFrom: cfg.MailFrom, BaseURL: cfg.BaseURL,
		SearchTimeout: cfg.SearchTimeout, JobTimeout: cfg.JobTimeout, MailDelay: cfg.MailDelay, Brand: cfg.Brand,
		Replicas: cfg.ReplicaURLs, ReplicaLag: cfg.ReplicaLag,
	})
	if err != nil {
		return cfg, nil, nil, err
	}
	applied, err := store.Migrate(ctx)
	if err != nil {
		_ = store.Close()
		return cfg, nil, nil, err
	}
	if len(applied) > 0 {
		log.Info("database migrated", slog.Int("applied", len(applied)))
	}
	c.migrated = applied
	return cfg, store, log, nil
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if cfg.Production() {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runServe(ctx context.Context, c *cli, args []string) error {
	if err := c.flags(args, func(*flag.FlagSet) {}); err != nil {
		return err
	}
	cfg, store, log, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()

	app, srv, err := newServer(cfg, store, log)
	if err != nil {
		return err
	}
	tcp, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("SAMEN_ADDR: %w", err)
	}
	ln := newQuietListener(tcp)
	if cfg.PprofAddr != "" {
		profiler, err := servePprof(cfg.PprofAddr, log)
		if err != nil {
			_ = ln.Close()
			return err
		}
		defer profiler.Close()
	}
	if err := store.StartJobs(ctx); err != nil {
		_ = ln.Close()
		return err
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	log.Info("Samen is serving", slog.String("url", cfg.BaseURL), slog.Any("config", cfg))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(stop)
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case sig := <-stop:
		srv.stopping.Store(true)
		log.Info("stopping: not ready any more", slog.String("signal", sig.String()), slog.Duration("drain_delay", cfg.DrainDelay))
	}
	// Serve on while a load balancer notices /readyz and sends new requests
	// elsewhere; a second signal cuts the wait short.
	if cfg.DrainDelay > 0 {
		select {
		case <-time.After(cfg.DrainDelay):
		case <-stop:
		}
	}
	log.Info("stopping: draining requests")

	// One deadline for the whole stop: requests first, then jobs.
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := app.ShutdownWithContext(stopCtx); err != nil {
		log.Warn("requests still running at shutdown timeout", slog.Any("error", err))
	}
	if err := store.StopJobs(stopCtx); err != nil {
		log.Warn("jobs still running at shutdown timeout", slog.Any("error", err))
	}
	log.Info("stopped")
	return nil
}

func runMigrate(ctx context.Context, c *cli, args []string) error {
	if err := c.flags(args, func(*flag.FlagSet) {}); err != nil {
		return err
	}
	_, store, _, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if len(c.migrated) == 0 {
		fmt.Fprintln(c.stdout, "the database was already up to date")
		return nil
	}
	for _, m := range c.migrated {
		fmt.Fprintln(c.stdout, "applied", m)
	}
	fmt.Fprintln(c.stdout, "the database is up to date")
	return nil
}

func runUserCreate(ctx context.Context, c *cli, args []string) error {
	var email, name, role string
	err := c.flags(args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's email address (required)")
		fs.StringVar(&name, "name", "", "the user's display name (required)")
		fs.StringVar(&role, "role", "member", "member, moderator, team or admin")
	})
	if err != nil {
		return err
	}
	if email == "" || name == "" {
		return fmt.Errorf("%w: --email and --name are required", errUsage)
	}
	_, store, _, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.CreateUser(ctx, models.NewUser{Name: name, Email: email, EmailVerified: true, Role: models.Role(role)})
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, u.ID)
	return nil
}

func runUserRole(ctx context.Context, c *cli, args []string) error {
	var email, role string
	err := c.flags(args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's email address (required)")
		fs.StringVar(&role, "role", "", "member, moderator, team or admin (required)")
	})
	if err != nil {
		return err
	}
	if email == "" || role == "" {
		return fmt.Errorf("%w: --email and --role are required", errUsage)
	}
	_, store, _, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	if err := store.SetRole(ctx, u.ID, models.Role(role)); err != nil {
		return err
	}
	audit := models.Audit{Action: models.AuditRole, TargetType: models.TargetMember, TargetID: u.ID, Subject: &u.ID, Reason: role + " (command line)"}
	if err := store.Record(ctx, audit); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s is now %s\n", email, role)
	return nil
}

func runTokenCreate(ctx context.Context, c *cli, args []string) error {
	var email string
	spec := models.NewAPIToken{}
	err := c.flags(args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the email address of the user the token acts for (required)")
		fs.StringVar(&spec.Name, "name", "command line", "a label to recognise the token by")
		fs.StringVar(&spec.Expires, "expires", "", "how long the token works, as in 30d or 12h (default: no end)")
		fs.BoolVar(&spec.ReadOnly, "read-only", false, "the token may only read, never write")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return fmt.Errorf("%w: --email is required", errUsage)
	}
	_, store, _, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	token, _, err := store.CreateAPIToken(ctx, u.ID, spec)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, token)
	return nil
}

// runHealthcheck asks the local server's /healthz: the container health check.
func runHealthcheck(ctx context.Context, c *cli, args []string) error {
	if err := c.flags(args, func(*flag.FlagSet) {}); err != nil {
		return err
	}
	cfg, err := LoadConfig(c.environ)
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(cfg.Addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %d", resp.StatusCode)
	}
	return nil
}
