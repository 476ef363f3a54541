package models

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SeedCounts says how many rows a seeder added.
type SeedCounts struct {
	Users, Ideas, Votes, Comments int
}

// EnsureCategory adds c (its slug, names, description and position) unless a
// category with its slug exists; an existing category keeps what it has.
func (s *Store) EnsureCategory(ctx context.Context, c Category) error {
	err := s.db.WithContext(ctx).Exec(`INSERT INTO categories (slug, name, name_nl, description, position, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING`, c.Slug, c.Name, c.NameNL, c.Description, c.Position, s.Now()).Error
	s.forgetCatalog()
	if err != nil {
		return fmt.Errorf("add category %q: %w", c.Slug, err)
	}
	return nil
}

// DemoTeamEmail is the demo's product team member: its presence says the demo
// community is there already.
const DemoTeamEmail = "product@demo.example"

// ErrDemoSeeded: the demo community is in the database already.
var ErrDemoSeeded = errors.New("the demo community is already seeded")

// SeedDemo adds a small community of bike riders, so that a newcomer sees a
// living board: five bike categories, twelve members (a product team member
// and a moderator among them), forty ideas with votes, threads and the team's
// answers, and a changelog entry for what shipped. Everything goes through the store's own rules, at times spread over
// the last half year, in one transaction. A second run adds nothing and
// returns ErrDemoSeeded.
func (s *Store) SeedDemo(ctx context.Context) (SeedCounts, error) {
	var counts SeedCounts
	_, err := s.UserByEmail(ctx, DemoTeamEmail)
	switch {
	case err == nil:
		return counts, ErrDemoSeeded
	case !errors.Is(err, ErrNotFound):
		return counts, fmt.Errorf("seed demo: %w", err)
	}
	end := s.Now().Truncate(time.Hour)
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// A copy of the store bound to the transaction, with its own clock
		// that the story moves forward.
		d := *s
		at := end
		d.clock = newClock(func() time.Time { return at })
		d.db = tx.Session(&gorm.Session{NowFunc: d.Now})
		var err error
		counts, err = d.seedDemo(ctx, end, &at)
		return err
	})
	if err != nil {
		return SeedCounts{}, fmt.Errorf("seed demo: %w", err)
	}
	return counts, nil
}

func (s *Store) seedDemo(ctx context.Context, end time.Time, at *time.Time) (SeedCounts, error) {
	var counts SeedCounts
	day := 24 * time.Hour
	*at = end.Add(-200 * day)
	for i, c := range demoCategories {
		if err := s.EnsureCategory(ctx, c.category(4+i)); err != nil {
			return counts, err
		}
	}

	users := make([]*User, len(demoMembers))
	for i, m := range demoMembers {
		*at = end.Add(-time.Duration(190-4*i) * day)
		u, err := s.CreateUser(ctx, NewUser{Name: m.name, Email: m.email, EmailVerified: true, Role: m.role})
		if err != nil {
			return counts, err
		}
		users[i] = u
		counts.Users++
	}
	team := users[0]

	// Each idea's story becomes events at their times, played in time order,
	// so that votes come before an idea closes and replies after their thread.
	type event struct {
		at time.Time
		do func() error
	}
	var events []event
	ids := make([]int64, len(demoIdeas))
	lastThread := make([]int64, len(demoIdeas))
	rng := rand.New(rand.NewPCG(7, 11))
	for i, idea := range demoIdeas {
		created := end.Add(-time.Duration(idea.daysAgo)*day + time.Duration(i%8)*time.Hour)
		events = append(events, event{created, func() error {
			made, err := s.CreateIdea(ctx, users[idea.author], NewIdea{Title: idea.title, Body: idea.body, Category: idea.category})
			if err != nil {
				return err
			}
			ids[i] = made.ID
			counts.Ideas++
			counts.Votes++ // the author's own
			return nil
		}})
		if len(idea.tags) > 0 {
			events = append(events, event{created.Add(2 * time.Hour), func() error {
				_, err := s.UpdateIdea(ctx, ids[i], team, IdeaUpdate{Tags: &idea.tags})
				return err
			}})
		}
		open := end // votes come while the idea still takes them
		for _, st := range idea.statuses {
			when := created.Add(time.Duration(st.days)*day + 3*time.Hour)
			if (st.slug == "shipped" || st.slug == "declined") && when.Before(open) {
				open = when
			}
			events = append(events, event{when, func() error {
				_, err := s.SetStatus(ctx, ids[i], team, st.slug, st.note)
				return err
			}})
		}
		// Votes besides the author's, from members other than the team.
		want := idea.votes - 1
		for _, v := range rng.Perm(len(users) - 1) {
			if want == 0 {
				break
			}
			if v+1 == idea.author {
				continue
			}
			want--
			voter := users[v+1]
			when := created.Add(time.Duration(30+rng.Int64N(max(int64(open.Sub(created)/time.Minute)-60, 1))) * time.Minute)
			events = append(events, event{when, func() error {
				cast, _, err := s.Vote(ctx, ids[i], voter.ID)
				if cast {
					counts.Votes++
				}
				return err
			}})
		}
		for _, c := range idea.comments {
			events = append(events, event{created.Add(time.Duration(c.hours) * time.Hour), func() error {
				n := NewComment{Body: c.body}
				if c.reply {
					n.ParentID = &lastThread[i]
				}
				comment, err := s.CreateComment(ctx, ids[i], users[c.author], n)
				if err != nil {
					return err
				}
				if !c.reply {
					lastThread[i] = comment.ID
				}
				counts.Comments++
				return nil
			}})
		}
	}
	slices.SortStableFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
	for _, e := range events {
		*at = e.at
		if last := end.Add(-time.Minute); at.After(last) {
			*at = last
		}
		if err := e.do(); err != nil {
			return counts, err
		}
	}

	// The changelog: what shipped, crediting the members whose ideas it delivers.
	var shipped []int64
	for i, idea := range demoIdeas {
		if n := len(idea.statuses); n > 0 && idea.statuses[n-1].slug == "shipped" {
			shipped = append(shipped, ids[i])
		}
	}
	*at = end.Add(-26 * time.Hour)
	title, body, publish := "What shipped this season", demoChangelog, true
	if _, err := s.CreateChangelogEntry(ctx, team, ChangelogInput{Title: &title, Body: &body, Ideas: &shipped, Publish: &publish}); err != nil {
		return counts, err
	}

	// A newcomer's advert, reported by two members: the review queue has
	// something for the moderator to look at.
	*at = end.Add(-3 * time.Hour)
	spam, err := s.CreateComment(ctx, ids[0], users[dealer], NewComment{Body: "E-bike batteries at 70% off this week only, search for Deal Hunter batteries."})
	if err != nil {
		return counts, err
	}
	counts.Comments++
	for i, reporter := range []int{jeroen, sophie} {
		*at = end.Add(time.Duration(i-2) * time.Hour)
		if _, err := s.CreateReport(ctx, users[reporter], NewReport{Target: TargetComment, ID: spam.ID, Reason: ReportSpam}); err != nil {
			return counts, err
		}
	}
	return counts, nil
}

// demoChangelog is the demo's changelog entry.
const demoChangelog = `Thank you for every idea and vote this season. What came of them:

- **App 4.1 and 4.2**: a dark mode that follows your phone, and the remaining range in kilometres or miles.
- **Firmware 1.8 and 1.9**: an alarm that tells a passing tram from a thief, and release notes in plain words.
- **Hardware**: quieter mudguard stays, and a backup code for the lock.

Keep them coming.`

type demoCategory struct{ slug, name, nameNL, description string }

func (c demoCategory) category(position int) Category {
	return Category{Slug: c.slug, Name: c.name, NameNL: c.nameNL, Description: c.description, Position: position}
}

var demoCategories = []demoCategory{
	{"frame", "Frame", "Frame", "Sizes, geometry, tyres, lights and everything bolted to the bike."},
	{"battery-range", "Battery & range", "Accu en bereik", "Charging, range, and how far the bike takes you."},
	{"lock-security", "Lock & security", "Slot en beveiliging", "The lock, the alarm, tracking and getting a stolen bike back."},
	{"app", "App", "App", "The rider app: unlocking, settings, rides and updates."},
	{"accessories", "Accessories", "Accessoires", "Racks, bags, seats, mounts and mudguards."},
}

type demoMember struct {
	name, email string
	role        Role
}

// demoMembers: the first is the product team, the second the moderator.
var demoMembers = []demoMember{
	{"Product team", DemoTeamEmail, RoleTeam},
	{"Maartje Visser", "maartje@demo.example", RoleModerator},
	{"Jeroen Bakker", "jeroen@demo.example", RoleMember},
	{"Sophie Laurent", "sophie@demo.example", RoleMember},
	{"Tom Hughes", "tom@demo.example", RoleMember},
	{"Lena Fischer", "lena@demo.example", RoleMember},
	{"Kenji Watanabe", "kenji@demo.example", RoleMember},
	{"Priya Nair", "priya@demo.example", RoleMember},
	{"Marco Rossi", "marco@demo.example", RoleMember},
	{"Emma Jansen", "emma@demo.example", RoleMember},
	{"Daniel Okafor", "daniel@demo.example", RoleMember},
	{"Ines Moreau", "ines@demo.example", RoleMember},
	{"Deal Hunter", "deals@demo.example", RoleMember},
}

// Who is who in demoMembers.
const (
	team = iota
	maartje
	jeroen
	sophie
	tom
	lena
	kenji
	priya
	marco
	emma
	daniel
	ines
	dealer
)

type demoIdea struct {
	title, category, body string
	author                int
	daysAgo               int
	votes                 int // the author's own included; at most one per member
	tags                  []string
	statuses              []demoStatus
	comments              []demoComment
}

// demoStatus is the team's answer, days after the idea.
type demoStatus struct {
	slug string
	days int
	note string
}

// demoComment comes hours after the idea; a reply answers the latest
// top-level comment before it.
type demoComment struct {
	author int
	reply  bool
	hours  int
	body   string
}

var demoIdeas = []demoIdea{
	{
		title: "Swappable battery for longer commutes", category: "battery-range", author: tom, daysAgo: 160, votes: 11,
		tags: []string{"Commuting", "Winter"},
		body: "My commute is 38 km each way and in winter the range gets tight. If I could **swap in a second battery** at the office I would never have to worry.\n\n" +
			"- carry a charged spare in a pannier\n- swap it in under a minute, without tools\n- charge the spare indoors",
		statuses: []demoStatus{
			{"under-review", 12, "We're looking at this with the battery engineers: it touches the frame, the lock and the certification."},
			{"planned", 70, "Planned for the next frame generation. A removable battery needs a new down tube, so it won't come to current bikes; we'll share more when we can."},
		},
		comments: []demoComment{
			{lena, false, 5, "Same here. Below 5 °C I lose about a third of my range."},
			{jeroen, true, 9, "Keeping the bike indoors overnight helps a lot, but a spare would be much better."},
			{marco, false, 30, "It must still lock into the frame though. A loose battery is the first thing thieves take."},
			{team, false, 290, "Thanks all, this is one of the most asked-for ideas on the board. We're working out how a removable pack fits the frame without making the bike heavier."},
			{tom, true, 296, "Great to hear! Happy to test a prototype on my commute."},
		},
	},
	{
		title: "Show remaining range in km in the app", category: "app", author: lena, daysAgo: 150, votes: 11,
		body: "The battery bar shows a percentage, but what I want to know is: **can I make it home?** Show the estimated range in kilometres, based on the assist level I'm riding in.",
		statuses: []demoStatus{
			{"planned", 14, "Planned for the spring app release."},
			{"in-progress", 60, "Our app team is building this now. The estimate learns from your last ten rides, per assist level."},
			{"shipped", 120, "Shipped in app 4.2! Range in km or miles (following your phone's region), per assist level. Update the app and tell us how accurate it is for you."},
		},
		comments: []demoComment{
			{kenji, false, 3, "Please also in miles for riders in the UK and the US."},
			{daniel, true, 6, "Yes, just follow the phone's region setting."},
			{emma, false, 20, "An estimate per assist level would be great: *level 2: 45 km, level 4: 28 km*."},
			{team, false, 340, "Thanks for the detail, we're using exactly this as the spec."},
			{lena, false, 2900, "Tried it for a week: spot on for my commute. Thank you!"},
		},
	},
	{
		title: "Auto-unlock when I walk up with my phone", category: "lock-security", author: jeroen, daysAgo: 140, votes: 10,
		body: "Taking my phone out, opening the app and waiting for it to connect takes longer than unlocking a normal lock. The bike could **unlock when it sees my phone nearby**, like a car key.",
		statuses: []demoStatus{
			{"planned", 30, "Planned. We'll use Bluetooth proximity, with a setting to keep it off."},
			{"in-progress", 100, "In progress: beta testers get it with the next firmware update."},
		},
		comments: []demoComment{
			{priya, false, 4, "Only if it also needs a tap on the handlebar. I don't want it unlocking while I'm sitting on a terrace next to it."},
			{jeroen, true, 7, "Fair point: unlock on approach, but only after you touch the bike."},
			{maartje, false, 26, "Tip while we wait: with Settings > Lock > Stay connected on, the app finds the bike much faster."},
			{team, false, 2410, "Beta sign-ups are open in the app under Settings > Labs. Thanks for the patience!"},
		},
	},
	{
		title: "Mudguards that don't rattle on cobblestones", category: "accessories", author: emma, daysAgo: 120, votes: 9,
		tags: []string{"City riding"},
		body: "Riding over cobblestones in Utrecht the rear mudguard rattles so loudly that people turn around. A rubber damper at the stay would probably fix it.",
		statuses: []demoStatus{
			{"in-progress", 20, "We reproduced the rattle on our test track and are trying two fixes."},
			{"shipped", 75, "Shipped: new mudguard stays with rubber dampers come with every bike built from week 32. A retrofit kit for older bikes is free from any service hub."},
		},
		comments: []demoComment{
			{ines, false, 8, "Same in Brussels. Mine got quieter after tightening the bolts, but it comes back."},
			{sophie, false, 30, "A bit of foam tape between the stay and the frame helps while we wait."},
			{emma, false, 1810, "Got the retrofit kit at the Utrecht hub: silent now. Thanks team!"},
		},
	},
	{
		title: "Child seat compatible rear rack", category: "accessories", author: sophie, daysAgo: 110, votes: 10,
		tags: []string{"Family"},
		body: "I'd love to take my daughter to school on the bike, but the rack doesn't fit the common child seats. A rack rated for **at least 27 kg** with a standard mount would make this the family bike.",
		statuses: []demoStatus{
			{"planned", 40, "Planned: a reinforced rack that fits the common child seat mounts, tested to 27 kg."},
		},
		comments: []demoComment{
			{kenji, false, 12, "Please make sure the kickstand can hold it with a child on board."},
			{sophie, true, 15, "Good point, I'll add a separate idea for the kickstand."},
			{priya, false, 50, "Would pay extra for this. Cargo bikes are too big for my street."},
		},
	},
	{
		title: "Frame sizes for riders under 165 cm", category: "frame", author: kenji, daysAgo: 100, votes: 9,
		body: "At 160 cm I can only just reach the ground at a traffic light. A smaller frame, or a lower step-over, would open the bike to many more riders.",
		statuses: []demoStatus{
			{"under-review", 25, "Under review: we're measuring how low the top tube can go with the battery inside."},
		},
		comments: []demoComment{
			{maartje, false, 6, "Lots of requests for this in the Tokyo and Taipei rider groups too."},
			{ines, false, 40, "Yes please, my partner would buy one tomorrow."},
		},
	},
	{
		title: "Theft alarm that ignores passing trams", category: "lock-security", author: ines, daysAgo: 95, votes: 7,
		body: "The alarm goes off whenever a tram passes my parking spot. Could the sensitivity be adjusted, or could it ignore vibration that isn't someone touching the bike?",
		statuses: []demoStatus{
			{"shipped", 45, "Shipped in firmware 1.8: the alarm now tells a passing tram from someone moving the bike, and the app has a sensitivity setting."},
		},
		comments: []demoComment{
			{marco, false, 10, "Same next to a busy road in Milan with trucks."},
			{ines, false, 1100, "Updated yesterday: no false alarms all night. 👍"},
		},
	},
	{
		title: "Fast charger: 80% in two hours", category: "battery-range", author: marco, daysAgo: 90, votes: 6,
		body: "The standard charger takes all evening. A faster charger as an accessory would let me top up over lunch.",
	},
	{
		title: "Warn me when the cold will cut my range", category: "battery-range", author: lena, daysAgo: 85, votes: 4,
		tags: []string{"Winter"},
		body: "On cold mornings the battery drops faster than the app suggests. A short warning like *\"It's 2 °C: expect about 25% less range\"* would help plan the day.",
	},
	{
		title: "Dark mode for the app", category: "app", author: daniel, daysAgo: 80, votes: 8,
		body: "Opening the app at night to unlock the bike is blinding. Please follow the phone's dark mode setting.",
		statuses: []demoStatus{
			{"shipped", 30, "Shipped in app 4.1: the app follows your phone's light or dark setting."},
		},
		comments: []demoComment{
			{priya, false, 5, "And please make the unlock button big enough to hit with gloves."},
		},
	},
	{
		title: "Share my bike with a family member", category: "app", author: emma, daysAgo: 76, votes: 8,
		tags: []string{"Family"},
		body: "My partner rides my bike at the weekend. Today that means sharing my account password. I'd like to **invite a second rider** who can unlock the bike with their own phone.",
		statuses: []demoStatus{
			{"planned", 21, "Planned: owners will be able to invite riders, and remove them again, from the app."},
		},
		comments: []demoComment{
			{tom, false, 9, "Temporary access for a friend would be great too, for a day or a week."},
			{team, true, 530, "Good one: invitations will have an optional end date."},
		},
	},
	{
		title: "Carbon fibre frame to save weight", category: "frame", author: marco, daysAgo: 72, votes: 3,
		body: "The bike is heavy to carry up the stairs. A carbon frame could save several kilos.",
		statuses: []demoStatus{
			{"declined", 9, "We looked into this carefully. Carbon would add well over €1,000 to the price, can't be repaired after a fall at a bike rack, and is hard to recycle. We're cutting weight elsewhere instead: the next battery and motor are both lighter."},
		},
		comments: []demoComment{
			{jeroen, false, 7, "Aluminium is so much easier to live with in a city. I'd rather have a lighter battery."},
		},
	},
	{
		title: "Front basket mount on the head tube", category: "accessories", author: priya, daysAgo: 70, votes: 6,
		body: "A mount on the head tube, so a basket turns with the frame and not with the handlebar. Much more stable with groceries.",
	},
	{
		title: "Kickstand that holds the bike with a child seat", category: "accessories", author: sophie, daysAgo: 68, votes: 5,
		tags: []string{"Family"},
		body: "Follow-up to the child seat rack: with a child on the back, the bike tips over on the current kickstand. A **double-leg stand** would fix this.",
	},
	{
		title: "Let me choose my own unlock sound", category: "app", author: daniel, daysAgo: 65, votes: 3,
		body: "It would be fun to pick the sound the bike makes when it unlocks.",
		statuses: []demoStatus{
			{"declined", 12, "We keep the sounds fixed: they are tuned to be heard in traffic and are part of how the bike tells you it's locked or unlocked safely. You can make them quieter in Settings > Sounds."},
		},
		comments: []demoComment{
			{kenji, false, 20, "Understandable. A quieter setting is all I needed anyway."},
		},
	},
	{
		title: "Range estimate that knows about headwind", category: "battery-range", author: jeroen, daysAgo: 62, votes: 4,
		body: "In the Netherlands the wind decides my range more than the hills do. The estimate could use the weather forecast for my route.",
	},
	{
		title: "Apple Watch app to unlock and see the battery", category: "app", author: daniel, daysAgo: 58, votes: 7,
		body: "Unlock from the watch and glance at the battery level without taking out my phone.",
		statuses: []demoStatus{
			{"under-review", 18, "Under review: we're checking how reliable Bluetooth from the watch is on its own."},
		},
		comments: []demoComment{
			{lena, false, 11, "And Wear OS please!"},
			{daniel, true, 14, "Of course, both."},
		},
	},
	{
		title: "Bell that is loud enough for city traffic", category: "problems", author: priya, daysAgo: 55, votes: 6,
		body: "Pedestrians on the bike path in London don't hear the electronic bell at all. It needs to be **much louder**, or come with a mechanical bell.",
		statuses: []demoStatus{
			{"in-progress", 14, "We're testing a louder bell tone and a mechanical bell option at the service hubs."},
		},
		comments: []demoComment{
			{tom, false, 8, "A proper 'ding' would be better than any electronic sound."},
		},
	},
	{
		title: "Brakes squeal in the rain", category: "problems", author: tom, daysAgo: 50, votes: 5,
		body: "After a wet ride the front brake squeals for the first few stops. Is there a different pad compound that stays quiet?",
		statuses: []demoStatus{
			{"under-review", 10, "Thanks for reporting. We're testing two pad compounds and will share what we find here."},
		},
	},
	{
		title: "Ride history with elevation", category: "app", author: kenji, daysAgo: 47, votes: 3,
		body: "Show the climbs on each ride in the history, so I can see where the battery went.",
	},
	{
		title: "Phone mount that charges from the bike battery", category: "accessories", author: daniel, daysAgo: 45, votes: 8,
		body: "A handlebar mount with a **USB-C port fed by the bike battery**, so navigation doesn't drain my phone on long rides.",
		statuses: []demoStatus{
			{"planned", 20, "Planned as an accessory: a handlebar mount with USB-C power from the bike battery."},
		},
		comments: []demoComment{
			{marco, false, 6, "This would also cover the power bank idea."},
			{maartje, true, 9, "Good catch, I've linked the two in the team's notes."},
		},
	},
	{
		title: "Lock the bike when I walk away", category: "lock-security", author: priya, daysAgo: 42, votes: 6,
		body: "I sometimes forget to kick the lock. If the bike sees my phone move away, it could lock itself and let me know.",
		comments: []demoComment{
			{jeroen, false, 5, "Goes well with the auto-unlock idea. Together they'd make the lock invisible."},
		},
	},
	{
		title: "Backup unlock code when my phone is dead", category: "lock-security", author: emma, daysAgo: 40, votes: 9,
		body: "My phone died on the way home and I couldn't unlock my bike. A **backup code on the handlebar button** would prevent this.",
		statuses: []demoStatus{
			{"shipped", 16, "Shipped: set a backup code under Settings > Lock, then unlock with the button on the handlebar. Press it in the rhythm of your code."},
		},
		comments: []demoComment{
			{ines, false, 3, "This happened to me too, in the rain, at night. Strong yes."},
			{sophie, false, 400, "Set mine up today, works great."},
		},
	},
	{
		title: "Wider tyres for gravel paths", category: "frame", author: marco, daysAgo: 38, votes: 4,
		body: "I ride a few kilometres of gravel every day. Room for 50 mm tyres would make it much more comfortable.",
	},
	{
		title: "Battery health in the app", category: "battery-range", author: kenji, daysAgo: 35, votes: 7,
		body: "Show the battery's health as a percentage of its original capacity, and how many charge cycles it has done. Useful when selling the bike too.",
		statuses: []demoStatus{
			{"in-progress", 12, "In progress: the battery already reports this; we're adding the screen to the app."},
		},
	},
	{
		title: "Rear light that can be seen from the side", category: "frame", author: ines, daysAgo: 33, votes: 3,
		body: "The integrated rear light is bright from behind but invisible from the side at crossings.",
	},
	{
		title: "Pannier bags made for the rack", category: "accessories", author: lena, daysAgo: 30, votes: 4,
		body: "Bags that click onto the rack without rattling and don't cover the rear light.",
	},
	{
		title: "Offline mode for the app on the road", category: "app", author: jeroen, daysAgo: 28, votes: 2,
		body: "In the countryside I sometimes lose signal. Unlocking and changing the assist level should work without the internet.",
	},
	{
		title: "Schedule charging for cheap night-time electricity", category: "battery-range", author: emma, daysAgo: 26, votes: 5,
		body: "Let me plug in when I get home and have the bike start charging at 01:00, when power is cheapest and greenest.",
		comments: []demoComment{
			{lena, false, 6, "And stop at 80% to keep the battery healthy."},
		},
	},
	{
		title: "More frame colours than black and grey", category: "frame", author: sophie, daysAgo: 24, votes: 6,
		body: "Something brighter would make the bike easier to find in a full bike rack. A dark green or a deep blue, maybe?",
		comments: []demoComment{
			{marco, false, 4, "Yes! A bright colour is also less attractive to thieves."},
			{kenji, false, 9, "Matte sand colour please."},
		},
	},
	{
		title: "Notify me when someone moves my parked bike", category: "lock-security", author: tom, daysAgo: 22, votes: 4,
		body: "The alarm sounds at the bike, but I'm often too far away to hear it. A push notification would tell me straight away.",
	},
	{
		title: "Rain cover for the display", category: "accessories", author: kenji, daysAgo: 20, votes: 2,
		body: "A thin cover that keeps rain off the top-tube display while parked outside.",
	},
	{
		title: "Lower top speed setting for young riders", category: "app", author: sophie, daysAgo: 18, votes: 3,
		tags: []string{"Family"},
		body: "My 15-year-old borrows the bike. I'd like to set a lower maximum assist speed in the app, protected by my account.",
	},
	{
		title: "Export rides to Strava", category: "app", author: lena, daysAgo: 15, votes: 5,
		body: "Automatically upload my rides to Strava, or at least export them as GPX files.",
		comments: []demoComment{
			{daniel, false, 3, "GPX export would cover every other app too."},
		},
	},
	{
		title: "Use the bike battery as a power bank", category: "battery-range", author: marco, daysAgo: 13, votes: 2,
		body: "On camping trips it would be handy to charge my phone and lights from the bike's big battery.",
		statuses: []demoStatus{
			{"declined", 4, "Not as a separate feature: drawing power outside the bike needs a converter we'd rather not put in every battery. The planned phone mount with USB-C power covers charging on the road, so please vote for that one."},
		},
	},
	{
		title: "Frame lock that also secures the battery", category: "lock-security", author: ines, daysAgo: 11, votes: 2,
		body: "If batteries become removable, the frame lock should lock the battery in as well, with the same key.",
	},
	{
		title: "Suspension seat post option", category: "accessories", author: priya, daysAgo: 9, votes: 3,
		body: "London roads are rough. A suspension seat post would take the edge off potholes.",
	},
	{
		title: "Release notes in plain language", category: "improvements", author: tom, daysAgo: 8, votes: 4,
		body: "Firmware updates say \"bug fixes and improvements\". Tell us what changed, so we know why to install them.",
		statuses: []demoStatus{
			{"shipped", 3, "Done: from firmware 1.9 on, every update explains what changed in a few plain sentences, in the app and on the changelog."},
		},
	},
	{
		title: "Welcome tour for new riders in the app", category: "features", author: priya, daysAgo: 5, votes: 2,
		body: "A short tour after the first unlock: assist levels, the lock, the alarm and where to get help.",
	},
	{
		title: "Gear indicator on the display", category: "features", author: jeroen, daysAgo: 2, votes: 1,
		body: "Show which gear I'm in on the top-tube display, next to the speed.",
	},
}

// Bench data.

// BenchSize is how much data SeedBench adds.
type BenchSize struct {
	Users, Ideas, Votes, Comments int
}

// Validate checks that the numbers make sense together: a member votes for
// an idea at most once, and ideas and comments need someone to write them.
func (n BenchSize) Validate() error {
	errs := ValidationErrors{}
	for field, v := range map[string]int{"users": n.Users, "ideas": n.Ideas, "votes": n.Votes, "comments": n.Comments} {
		if v < 0 {
			errs[field] = "must not be negative"
		}
	}
	if len(errs) > 0 {
		return errs
	}
	if n.Ideas > 0 && n.Users == 0 {
		errs["ideas"] = "need at least one user to write them"
	}
	if n.Votes > 0 && (n.Ideas == 0 || n.Users == 0 || (n.Votes-1)/n.Ideas >= n.Users) {
		errs["votes"] = fmt.Sprintf("must be at most users × ideas (%d × %d): a member votes for an idea once", n.Users, n.Ideas)
	}
	if n.Comments > 0 && (n.Ideas == 0 || n.Users == 0) {
		errs["comments"] = "need at least one idea and one user"
	}
	return errs.orNil()
}

// Bench data is the same on every run: a fixed seed and a fixed window of
// time, so that two databases seeded alike can be compared.
var (
	benchStart = time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)
	benchEnd   = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
)

const (
	benchSeed = 20241101
	// benchBatch is the most rows in one INSERT, and benchParams the most
	// parameters: PostgreSQL takes up to 65,535. SQLite takes 32,766, but its
	// driver finds each parameter's value by a linear search, so the time to
	// bind grows with the square of their number: a few hundred is fastest.
	benchBatch        = 1000
	benchParams       = 32000
	benchSQLiteParams = 500
	// Zipf exponents: how steeply votes and comments fall from the most
	// popular idea to the least.
	benchVoteSkew    = 1.0
	benchCommentSkew = 0.8
	// benchReplyShare of comments answer an earlier thread on the idea.
	benchReplyShare = 0.3
)

// SeedBench adds generated data for benchmarks and load tests: n.Users
// members (the first of them on the product team), n.Ideas ideas over every
// category (at least six: demo categories join the defaults) and status,
// n.Votes votes skewed over the ideas (a few get thousands, most a few; each
// member once per idea), n.Comments comments skewed alike, some of them
// replies. The counters and hot scores match the
// rows. It writes with multi-row INSERTs in one transaction, after whatever the
// database holds, and makes the same data on every run.
func (s *Store) SeedBench(ctx context.Context, n BenchSize) (SeedCounts, error) {
	if err := n.Validate(); err != nil {
		return SeedCounts{}, err
	}
	categories, err := s.benchCategories(ctx, n)
	if err != nil {
		return SeedCounts{}, err
	}
	statuses, err := s.Statuses(ctx)
	if err != nil {
		return SeedCounts{}, err
	}
	start := slices.IndexFunc(statuses, func(st Status) bool { return st.Kind == KindOpen })
	if n.Ideas > 0 && start < 0 {
		return SeedCounts{}, errors.New("seed bench data: there is no open status for ideas to start in")
	}
	tx, err := s.sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return SeedCounts{}, fmt.Errorf("seed bench data: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	b := &bench{s: s, ctx: ctx, tx: tx, n: n, rng: rand.New(rand.NewPCG(benchSeed, benchSeed)),
		categories: categories, statuses: statuses, html: map[string]template.HTML{}}
	if start >= 0 {
		b.start = &statuses[start]
	}
	if err := b.seed(); err != nil {
		return SeedCounts{}, fmt.Errorf("seed bench data: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return SeedCounts{}, fmt.Errorf("seed bench data: %w", err)
	}
	s.totals.forget() // written past GORM, which tells the cache of other writes
	// Fresh statistics, so the planner picks the indexes the app relies on.
	if err := s.analyze(ctx); err != nil {
		return SeedCounts{}, fmt.Errorf("seed bench data: analyze: %w", err)
	}
	return SeedCounts(n), nil
}

// benchCategoryCount is how many categories bench ideas spread over: the
// defaults, and the demo's bike categories in their order until there are
// this many.
const benchCategoryCount = 6

// benchCategories returns the categories bench ideas go in, adding demo
// categories first when there are fewer than benchCategoryCount.
func (s *Store) benchCategories(ctx context.Context, n BenchSize) ([]Category, error) {
	categories, err := s.Categories(ctx)
	if err != nil || n.Ideas == 0 {
		return categories, err
	}
	for _, c := range demoCategories {
		if len(categories) >= benchCategoryCount {
			break
		}
		if slices.ContainsFunc(categories, func(have Category) bool { return have.Slug == c.slug }) {
			continue
		}
		if err := s.EnsureCategory(ctx, c.category(len(categories)+1)); err != nil {
			return nil, err
		}
		if categories, err = s.Categories(ctx); err != nil {
			return nil, err
		}
	}
	return categories, nil
}

// bench generates and writes one run of bench data.
type bench struct {
	s          *Store
	ctx        context.Context
	tx         *sql.Tx
	n          BenchSize
	rng        *rand.Rand
	categories []Category
	statuses   []Status
	start      *Status                  // where ideas start: the first open status
	html       map[string]template.HTML // rendered markdown, by source

	// ids come after the highest in use: the rows are written with them.
	firstUser, firstIdea, firstComment, firstChange int64
	ideas                                           []benchIdea
	comments                                        []benchComment
}

type benchIdea struct {
	created, lastActivity time.Time
	status                *Status
	changed               time.Time // when the team set the status, unless it is b.start
	closed                time.Time // when votes stopped: benchEnd while it takes them
	votes, comments       int
}

type benchComment struct {
	idea, user int
	parent     int // index in bench.comments, or -1
	created    time.Time
	body       string
}

func (b *bench) seed() error {
	if b.s.dialect == Postgres {
		// Explicit ids need the tables to ourselves (SQLite has one writer
		// anyway); dropping indexes below locks out readers of ideas, votes
		// and comments too, until the commit.
		if _, err := b.tx.ExecContext(b.ctx, "LOCK TABLE users, ideas, votes, comments, status_changes IN EXCLUSIVE MODE"); err != nil {
			return err
		}
	}
	rebuild, err := b.dropForBulkLoad()
	if err != nil {
		return err
	}
	for _, next := range []struct {
		table string
		id    *int64
	}{{"users", &b.firstUser}, {"ideas", &b.firstIdea}, {"comments", &b.firstComment}, {"status_changes", &b.firstChange}} {
		if err := b.tx.QueryRowContext(b.ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM "+next.table).Scan(next.id); err != nil {
			return err
		}
	}
	b.planIdeas()
	b.planComments()
	for _, write := range []func() error{b.writeUsers, b.writeIdeas, b.writeStatusChanges, b.writeVotes, b.writeTrend, b.writeComments} {
		if err := write(); err != nil {
			return err
		}
	}
	// The analytics' rollups, whose triggers were off for the load.
	if err := rebuildAnalytics(b.ctx, b.tx, b.s.dialect); err != nil {
		return err
	}
	for _, add := range rebuild {
		if _, err := b.tx.ExecContext(b.ctx, add); err != nil {
			return err
		}
	}
	if b.s.dialect == Postgres {
		// The sequences learn the ids written past them (SQLite's AUTOINCREMENT does so itself).
		for _, table := range []string{"users", "ideas", "comments", "status_changes"} {
			_, err := b.tx.ExecContext(b.ctx, fmt.Sprintf(
				"SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), MAX(id)) FROM %[1]s HAVING MAX(id) IS NOT NULL", table))
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// dropForBulkLoad drops the secondary indexes of the tables the bench
// writes, the triggers that keep the analytics' rollups (seed rebuilds those
// in one pass), and on PostgreSQL their foreign keys too, and returns the statements
// that build them again. Updating a full-text and seven ranking indexes row by
// row, and PostgreSQL's row-by-row foreign key checks, are most of the time a
// bulk load takes; built again at the end, in the same transaction, each index
// is one sort and each foreign key one query (PostgreSQL's advice in
// "Populating a Database"). Unique indexes stay: they keep the rules.
func (b *bench) dropForBulkLoad() ([]string, error) {
	query := `SELECT 0, 'DROP INDEX "' || name || '"', sql FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('ideas', 'votes', 'comments', 'status_changes')
		UNION ALL
		SELECT 1, 'DROP TRIGGER "' || name || '"', sql FROM sqlite_master
		WHERE type = 'trigger' AND name LIKE 'analytics%'
		ORDER BY 1, 2`
	if b.s.dialect == Postgres {
		const tables = "('ideas'::regclass, 'votes'::regclass, 'comments'::regclass, 'status_changes'::regclass)"
		query = `
		SELECT 1, format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
		       format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
		FROM pg_constraint WHERE contype = 'f' AND conrelid IN ` + tables + `
		UNION ALL
		SELECT 0, format('DROP INDEX %s', indexrelid::regclass), pg_get_indexdef(indexrelid)
		FROM pg_index WHERE NOT indisunique AND indrelid IN ` + tables + `
		UNION ALL
		SELECT 2, format('DROP TRIGGER %I ON %s', tgname, tgrelid::regclass), pg_get_triggerdef(oid)
		FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'analytics%'
		ORDER BY 1, 2`
	}
	rows, err := b.tx.QueryContext(b.ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var drops, builds []string
	for rows.Next() {
		var (
			order       int // indexes first: checking a foreign key may use them
			drop, build string
		)
		if err := rows.Scan(&order, &drop, &build); err != nil {
			return nil, err
		}
		drops, builds = append(drops, drop), append(builds, build)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, drop := range drops {
		if _, err := b.tx.ExecContext(b.ctx, drop); err != nil {
			return nil, err
		}
	}
	if b.s.dialect == Postgres {
		// More memory for the sorts that build the indexes, for this transaction.
		if _, err := b.tx.ExecContext(b.ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
			return nil, err
		}
	}
	return builds, nil
}

// randomTime is a whole second in [from, to).
func (b *bench) randomTime(from, to time.Time) time.Time {
	span := int64(to.Sub(from) / time.Second)
	if span <= 0 {
		return from
	}
	return from.Add(time.Duration(b.rng.Int64N(span)) * time.Second)
}

// planIdeas decides each idea's time, status and counts. Popularity is a
// random rank: votes and comments both follow it, as discussion follows votes.
func (b *bench) planIdeas() {
	n := b.n.Ideas
	b.ideas = make([]benchIdea, n)
	created := make([]time.Time, n)
	for i := range created {
		created[i] = b.randomTime(benchStart, benchEnd)
	}
	slices.SortFunc(created, func(x, y time.Time) int { return x.Compare(y) })
	rank := b.rng.Perm(n)
	voteWeights, commentWeights := make([]float64, n), make([]float64, n)
	for i, r := range rank {
		voteWeights[i] = math.Pow(float64(r+1), -benchVoteSkew)
		commentWeights[i] = math.Pow(float64(r+1), -benchCommentSkew)
	}
	votes := apportion(b.n.Votes, voteWeights, b.n.Users)
	comments := apportion(b.n.Comments, commentWeights, 0)
	statusWeights := make([]float64, len(b.statuses))
	for i, st := range b.statuses {
		statusWeights[i] = benchStatusShare[st.Kind]
		if st.ID == b.start.ID {
			statusWeights[i] = benchStartShare
		}
	}
	for i := range b.ideas {
		idea := &b.ideas[i]
		idea.created, idea.closed, idea.lastActivity = created[i], benchEnd, created[i]
		idea.votes, idea.comments = votes[i], comments[i]
		idea.status = &b.statuses[pick(b.rng, statusWeights)]
		if idea.status.ID != b.start.ID {
			// Moved by the team some time after it was proposed; votes
			// stop when an idea ships or is declined.
			idea.changed = b.randomTime(idea.created, benchEnd)
			idea.lastActivity = idea.changed
			if !idea.status.TakesVotes() {
				idea.closed = idea.changed
			}
		}
	}
}

// Shares of the statuses, in percent: most ideas stay where they started,
// the others are spread by kind.
const benchStartShare = 55

var benchStatusShare = map[string]float64{KindOpen: 8, KindPlanned: 10, KindActive: 5, KindDone: 14, KindClosed: 8}

// pick chooses an index with probability in proportion to its weight.
func pick(rng *rand.Rand, weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// apportion splits total over the weights in proportion, each share at most
// limit (0: no limit), so that the shares add up to total exactly. The
// caller makes sure total is at most limit × len(weights).
func apportion(total int, weights []float64, limit int) []int {
	shares := make([]int, len(weights))
	if total == 0 {
		return shares
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(weights[y], weights[x]) })
	// rest[k] is the weight of order[k:], summed from the smallest up.
	rest := make([]float64, len(order)+1)
	for k := len(order) - 1; k >= 0; k-- {
		rest[k] = rest[k+1] + weights[order[k]]
	}
	// The heaviest take the limit while their share reaches it...
	remaining, k := total, 0
	for ; limit > 0 && k < len(order); k++ {
		if float64(remaining)*weights[order[k]]/rest[k] < float64(limit) {
			break
		}
		shares[order[k]] = limit
		remaining -= limit
	}
	if k == len(order) {
		return shares
	}
	// ...the others share the remainder, rounded down, and the heaviest of
	// them take what rounding left over, one each.
	given := 0
	for _, i := range order[k:] {
		shares[i] = int(float64(remaining) * weights[i] / rest[k])
		if limit > 0 {
			shares[i] = min(shares[i], limit-1)
		}
		given += shares[i]
	}
	// (Floating point may leave given a little off either way.)
	for j := k; given != remaining; j++ {
		i := order[k+(j-k)%(len(order)-k)]
		switch {
		case given < remaining && (limit == 0 || shares[i] < limit):
			shares[i]++
			given++
		case given > remaining && shares[i] > 0:
			shares[i]--
			given--
		}
	}
	return shares
}

// planComments writes each idea's discussion: times in order, a share of
// replies to earlier threads.
func (b *bench) planComments() {
	b.comments = make([]benchComment, 0, b.n.Comments)
	var times []time.Time
	var threads []int
	for i := range b.ideas {
		idea := &b.ideas[i]
		times = times[:0]
		for range idea.comments {
			times = append(times, b.randomTime(idea.created, benchEnd))
		}
		slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
		threads = threads[:0]
		for _, at := range times {
			c := benchComment{idea: i, user: b.rng.IntN(b.n.Users), parent: -1, created: at,
				body: benchCommentOpeners[b.rng.IntN(len(benchCommentOpeners))] + " " + benchCommentPoints[b.rng.IntN(len(benchCommentPoints))]}
			if len(threads) > 0 && b.rng.Float64() < benchReplyShare {
				c.parent = threads[b.rng.IntN(len(threads))]
			} else {
				threads = append(threads, len(b.comments))
			}
			b.comments = append(b.comments, c)
			if at.After(idea.lastActivity) {
				idea.lastActivity = at
			}
		}
	}
}

// render gives the stored HTML of a markdown text, rendering each text once.
func (b *bench) render(source string) template.HTML {
	h, ok := b.html[source]
	if !ok {
		h = b.s.md.render(source)
		b.html[source] = h
	}
	return h
}

func (b *bench) writeUsers() error {
	w := b.inserter("users", "id", "name", "email", "email_verified", "role", "created_at", "updated_at")
	for k := range b.n.Users {
		id := b.firstUser + int64(k)
		name, role := benchFirstNames[b.rng.IntN(len(benchFirstNames))]+" "+benchLastNames[b.rng.IntN(len(benchLastNames))], RoleMember
		if k == 0 {
			name, role = "Product team", RoleTeam
		}
		joined := b.randomTime(benchStart.AddDate(-1, 0, 0), benchStart)
		email := "member" + strconv.FormatInt(id, 10) + "@bench.example"
		if err := w.add(id, name, email, true, string(role), joined, joined); err != nil {
			return err
		}
	}
	return w.close()
}

func (b *bench) writeIdeas() error {
	w := b.inserter("ideas", "id", "title", "slug", "body", "body_html", "body_text", "author_id", "category_id", "status_id",
		"votes", "comments", "hot", "state", "created_at", "updated_at", "last_activity_at")
	for i, idea := range b.ideas {
		title := benchActions[b.rng.IntN(len(benchActions))] + " " + benchThings[b.rng.IntN(len(benchThings))] + " " +
			benchContexts[b.rng.IntN(len(benchContexts))]
		body := benchOpeners[b.rng.IntN(len(benchOpeners))] + "\n\n" + benchReasons[b.rng.IntN(len(benchReasons))]
		var category any
		if len(b.categories) > 0 {
			category = b.categories[b.rng.IntN(len(b.categories))].ID
		}
		author := b.firstUser + int64(b.rng.IntN(b.n.Users))
		rendered := b.render(body)
		err := w.add(b.firstIdea+int64(i), title, Slugify(title), body, string(rendered), b.s.md.plainText(rendered), author, category, idea.status.ID,
			idea.votes, idea.comments, newIdeaTrend(idea.created), StatePublished,
			idea.created, idea.lastActivity, idea.lastActivity)
		if err != nil {
			return err
		}
	}
	return w.close()
}

// writeStatusChanges records the team's move of every idea that left the
// starting status, with the answer its kind calls for.
func (b *bench) writeStatusChanges() error {
	w := b.inserter("status_changes", "id", "idea_id", "from_status_id", "to_status_id", "note", "note_html", "actor_id", "created_at")
	var actor any
	if b.n.Users > 0 {
		actor = b.firstUser // the product team
	}
	id := b.firstChange
	for i, idea := range b.ideas {
		if idea.status.ID == b.start.ID {
			continue
		}
		note := benchNotes[idea.status.Kind]
		err := w.add(id, b.firstIdea+int64(i), b.start.ID, idea.status.ID, note, string(b.render(note)), actor, idea.changed)
		if err != nil {
			return err
		}
		id++
	}
	return w.close()
}

// writeVotes chooses each idea's voters, distinct, at random (Floyd's
// sampling), and writes them in key order.
func (b *bench) writeVotes() error {
	w := b.inserter("votes", "idea_id", "user_id", "created_at")
	seen := make([]int32, b.n.Users) // seen[u] == idea+1: u voted for it
	var voters []int
	for i, idea := range b.ideas {
		voters = voters[:0]
		for j := b.n.Users - idea.votes; j < b.n.Users; j++ {
			u := b.rng.IntN(j + 1)
			if seen[u] == int32(i+1) {
				u = j
			}
			seen[u] = int32(i + 1)
			voters = append(voters, u)
		}
		slices.Sort(voters)
		for _, u := range voters {
			if err := w.add(b.firstIdea+int64(i), b.firstUser+int64(u), b.randomTime(idea.created, idea.closed)); err != nil {
				return err
			}
		}
	}
	return w.close()
}

// writeTrend gives the ideas their trending scores from their votes.
func (b *bench) writeTrend() error {
	_, err := b.tx.ExecContext(b.ctx, "UPDATE ideas SET hot = "+trendFromVotes(b.s.dialect, "")+" WHERE id >= "+strconv.FormatInt(b.firstIdea, 10))
	if err != nil {
		return fmt.Errorf("the trending order: %w", err)
	}
	return nil
}

func (b *bench) writeComments() error {
	w := b.inserter("comments", "id", "idea_id", "user_id", "parent_id", "body", "body_html", "state", "created_at", "updated_at")
	for k, c := range b.comments {
		var parent any
		if c.parent >= 0 {
			parent = b.firstComment + int64(c.parent)
		}
		err := w.add(b.firstComment+int64(k), b.firstIdea+int64(c.idea), b.firstUser+int64(c.user), parent,
			c.body, string(b.render(c.body)), StatePublished, c.created, c.created)
		if err != nil {
			return err
		}
	}
	return w.close()
}

// inserter writes rows to a table in multi-row INSERTs, through one prepared
// statement for the full batches.
type inserter struct {
	b       *bench
	table   string
	columns []string
	perStmt int
	rows    int
	args    []any
	full    *sql.Stmt
}

func (b *bench) inserter(table string, columns ...string) *inserter {
	params := benchParams
	if b.s.dialect == SQLite {
		params = benchSQLiteParams
	}
	per := max(1, min(benchBatch, params/len(columns)))
	return &inserter{b: b, table: table, columns: columns, perStmt: per, args: make([]any, 0, per*len(columns))}
}

func (w *inserter) add(values ...any) error {
	w.args = append(w.args, values...)
	w.rows++
	if w.rows < w.perStmt {
		return nil
	}
	if w.full == nil {
		stmt, err := w.b.tx.PrepareContext(w.b.ctx, w.statement(w.rows))
		if err != nil {
			return fmt.Errorf("write %s: %w", w.table, err)
		}
		w.full = stmt
	}
	if _, err := w.full.ExecContext(w.b.ctx, w.args...); err != nil {
		return fmt.Errorf("write %s: %w", w.table, err)
	}
	w.rows, w.args = 0, w.args[:0]
	return nil
}

// close writes the last rows and releases the statement.
func (w *inserter) close() error {
	if w.full != nil {
		defer w.full.Close()
	}
	if w.rows == 0 {
		return nil
	}
	if _, err := w.b.tx.ExecContext(w.b.ctx, w.statement(w.rows), w.args...); err != nil {
		return fmt.Errorf("write %s: %w", w.table, err)
	}
	return nil
}

// statement is an INSERT of rows rows, in the dialect's placeholders.
func (w *inserter) statement(rows int) string {
	var q strings.Builder
	q.WriteString("INSERT INTO " + w.table + " (" + strings.Join(w.columns, ", ") + ") VALUES ")
	param := 0
	for r := range rows {
		if r > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for c := range w.columns {
			if c > 0 {
				q.WriteString(", ")
			}
			param++
			if w.b.s.dialect == Postgres {
				q.WriteString("$" + strconv.Itoa(param))
			} else {
				q.WriteByte('?')
			}
		}
		q.WriteByte(')')
	}
	return q.String()
}

// Words the bench data is made of.
var (
	benchFirstNames = []string{"Anna", "Bram", "Chloé", "Daan", "Eva", "Finn", "Greta", "Hugo", "Isa", "Jonas", "Kim", "Lars",
		"Mila", "Noah", "Olivia", "Pieter", "Quinn", "Ruby", "Sem", "Tess", "Umar", "Vera", "Wout", "Yara", "Zoë"}
	benchLastNames = []string{"de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Smit", "Meijer", "Mulder", "Bos",
		"Peters", "Hendriks", "Dekker", "Müller", "Schmidt", "Dubois", "Martin", "Smith", "Brown", "Rossi", "Tanaka"}
	benchActions = []string{"Add", "Show", "Improve", "Fix", "Allow", "Support", "Redesign", "Simplify", "Offer", "Make room for"}
	benchThings  = []string{"a range estimate", "the rear light", "the kickstand", "the app dashboard", "the lock alarm",
		"gear shifting", "more frame sizes", "a phone mount", "quieter mudguards", "saddle adjustment", "a child seat rack",
		"battery health", "the front light", "the bell", "ride statistics", "firmware updates", "a spare battery",
		"the charging port", "tyre options", "pannier bags", "the display", "the brakes", "theft tracking", "sharing the bike"}
	benchContexts = []string{"for commuters", "in winter", "on cobblestones", "in the app", "at night", "for tall riders",
		"for short riders", "in the rain", "for families", "on long rides", "in busy cities", "for new riders"}
	benchOpeners = []string{"I ride every day and this comes up on most rides.", "Small thing, but it would make a big difference.",
		"Several riders in our local group asked about this.", "This is the one thing I miss after a year with the bike.",
		"After the last update I noticed this again.", "Coming from another bike, I expected this to be there."}
	benchReasons = []string{"It would **save time** every morning.", "It would make the bike *safer* in traffic.",
		"- less hassle\n- fewer trips to the service hub", "Other bikes in this price range already do it.",
		"It would help riders who are new to e-bikes.", "It matters most when the weather turns."}
	benchCommentOpeners = []string{"+1.", "Same here.", "Agreed!", "Interesting idea.", "Not sure about this one.",
		"This would help me too.", "Yes please.", "Good point."}
	benchCommentPoints = []string{"I ride in Amsterdam and see this daily.", "The current workaround is clumsy.",
		"Would pay for this as an accessory.", "It should be optional though.", "My partner asked for exactly this.",
		"Happy to test a beta.", "It matters more in winter.", "Please keep it simple."}
	benchNotes = map[string]string{
		KindOpen:    "The team is looking into this.",
		KindPlanned: "On the roadmap: planned for a coming release.",
		KindActive:  "Our engineers are working on this now.",
		KindDone:    "Shipped in the latest update. Thanks for voting!",
		KindClosed:  "Not for now: it doesn't fit the bikes we're building next. Thanks for the idea.",
	}
)
