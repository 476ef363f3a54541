package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"samen/models"
)

// runSeed fills the database: a small demo community, or bench data of the
// sizes asked for.
func runSeed(ctx context.Context, c *cli, args []string) error {
	var (
		demo bool
		size models.BenchSize
	)
	err := c.flags(args, func(fs *flag.FlagSet) {
		fs.BoolVar(&demo, "demo", false, "add a small demo community of bike riders (running it again adds nothing)")
		fs.IntVar(&size.Users, "users", 0, "bench data: members to add")
		fs.IntVar(&size.Ideas, "ideas", 0, "bench data: ideas to add")
		fs.IntVar(&size.Votes, "votes", 0, "bench data: votes to add, at most users × ideas")
		fs.IntVar(&size.Comments, "comments", 0, "bench data: comments to add")
	})
	if err != nil {
		return err
	}
	bench := size != models.BenchSize{}
	switch {
	case demo && bench:
		return fmt.Errorf("%w: --demo takes no counts", errUsage)
	case !demo && !bench:
		return fmt.Errorf("%w: give --demo, or counts with --users, --ideas, --votes and --comments", errUsage)
	}
	if bench {
		if err := size.Validate(); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
	}
	_, store, _, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()

	start := time.Now()
	if demo {
		n, err := store.SeedDemo(ctx)
		if errors.Is(err, models.ErrDemoSeeded) {
			fmt.Fprintf(c.stdout, "the demo community is already here (%s exists): nothing added\n", models.DemoTeamEmail)
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "seeded the demo community: %d members, %d ideas, %d votes, %d comments in %s; the product team signs in as %s\n",
			n.Users, n.Ideas, n.Votes, n.Comments, time.Since(start).Round(time.Millisecond), models.DemoTeamEmail)
		return nil
	}
	n, err := store.SeedBench(ctx, size)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "seeded %d users, %d ideas, %d votes, %d comments in %s\n",
		n.Users, n.Ideas, n.Votes, n.Comments, time.Since(start).Round(time.Millisecond))
	return nil
}
