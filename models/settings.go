package models

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Settings are what admins tune about moderation and the spam brakes. Each
// has a default that suits a new community; zero turns a limit off where
// the description says so.
type Settings struct {
	// ReportThreshold: content with this many distinct open reports is hidden
	// until reviewed (reports from new accounts count for less).
	ReportThreshold int
	// NewAccountDays: a member who is not trusted counts as a new account for
	// this many days after joining (0: nobody does).
	NewAccountDays int
	// NewAccountReportWeight: what a report from a new account weighs towards
	// the threshold, in percent of an established member's report.
	NewAccountReportWeight int
	// PremoderateFirst: the first this many ideas and comments of members who are
	// not trusted wait for a moderator's approval (0: off).
	PremoderateFirst int
	// TrustAfter: approvals of a member's pre-moderated posts that make them
	// basic (trust level 1, trusted) at once, whatever Trust[1] asks.
	TrustAfter int
	// Trust holds what each trust level asks, at indexes 1 (basic) to 3
	// (regular); see docs/trust.md.
	Trust [TrustEarned + 1]TrustThreshold
	// TrustSkipPremoderation: members at this level or higher skip pre-moderation.
	TrustSkipPremoderation int
	// TrustSuggestLevel: members at this level or higher may suggest categories and tags.
	TrustSuggestLevel int
	// TrustBrakes: the hourly limits of members at levels 2 and 3, in percent
	// of the limits below (indexes 2 and 3).
	TrustBrakes [TrustEarned + 1]int
	// Per member and hour; moderators and up are not limited.
	IdeasPerHour    int
	CommentsPerHour int
	VotesPerHour    int
	ReportsPerHour  int
	// NewMemberLinks: links allowed in one post of a member who is not trusted yet.
	NewMemberLinks int
	// DuplicateMinutes: the same text posted again within this many minutes is refused (0: off).
	DuplicateMinutes int
	// NotificationRetentionDays: notifications read longer ago than this are
	// deleted; unread ones stay.
	NotificationRetentionDays int
	// PublicModerationLog publishes moderation actions and reasons, without personal data.
	PublicModerationLog bool
}

// DefaultSettings are the settings of a new community.
var DefaultSettings = Settings{
	ReportThreshold: 3, NewAccountDays: 7, NewAccountReportWeight: 25, PremoderateFirst: 0, TrustAfter: 3,
	Trust: [TrustEarned + 1]TrustThreshold{
		TrustBasic:   {DaysActive: 2, Posts: 3, Votes: 3, CleanDays: 7},
		TrustMember:  {DaysActive: 15, Posts: 10, Votes: 20, CleanDays: 30},
		TrustRegular: {DaysActive: 50, Posts: 30, Votes: 100, CleanDays: 90},
	},
	TrustSkipPremoderation: TrustBasic, TrustSuggestLevel: TrustMember, TrustBrakes: [TrustEarned + 1]int{TrustMember: 200, TrustRegular: 300},
	IdeasPerHour: 10, CommentsPerHour: 60, VotesPerHour: 300, ReportsPerHour: 20,
	NewMemberLinks: 2, DuplicateMinutes: 10, NotificationRetentionDays: 90,
}

// settingFields lists every setting: its key in the settings table, its
// bounds and where it lives in Settings.
var settingFields = []struct {
	Key      string
	Min, Max int
	Field    func(*Settings) *int
}{
	{"report_threshold", 1, 100, func(s *Settings) *int { return &s.ReportThreshold }},
	{"new_account_days", 0, 365, func(s *Settings) *int { return &s.NewAccountDays }},
	{"new_account_report_weight", 0, 100, func(s *Settings) *int { return &s.NewAccountReportWeight }},
	{"premoderate_first", 0, 100, func(s *Settings) *int { return &s.PremoderateFirst }},
	{"trust_after", 1, 100, func(s *Settings) *int { return &s.TrustAfter }},
	{"trust1_days", 0, 3650, func(s *Settings) *int { return &s.Trust[TrustBasic].DaysActive }},
	{"trust1_posts", 0, 100000, func(s *Settings) *int { return &s.Trust[TrustBasic].Posts }},
	{"trust1_votes", 0, 100000, func(s *Settings) *int { return &s.Trust[TrustBasic].Votes }},
	{"trust1_clean_days", 0, maxCleanDays, func(s *Settings) *int { return &s.Trust[TrustBasic].CleanDays }},
	{"trust2_days", 0, 3650, func(s *Settings) *int { return &s.Trust[TrustMember].DaysActive }},
	{"trust2_posts", 0, 100000, func(s *Settings) *int { return &s.Trust[TrustMember].Posts }},
	{"trust2_votes", 0, 100000, func(s *Settings) *int { return &s.Trust[TrustMember].Votes }},
	{"trust2_clean_days", 0, maxCleanDays, func(s *Settings) *int { return &s.Trust[TrustMember].CleanDays }},
	{"trust3_days", 0, 3650, func(s *Settings) *int { return &s.Trust[TrustRegular].DaysActive }},
	{"trust3_posts", 0, 100000, func(s *Settings) *int { return &s.Trust[TrustRegular].Posts }},
	{"trust3_votes", 0, 100000, func(s *Settings) *int { return &s.Trust[TrustRegular].Votes }},
	{"trust3_clean_days", 0, maxCleanDays, func(s *Settings) *int { return &s.Trust[TrustRegular].CleanDays }},
	{"trust_skip_premoderation", TrustBasic, TrustLeader, func(s *Settings) *int { return &s.TrustSkipPremoderation }},
	{"trust_suggest_level", TrustBasic, TrustLeader, func(s *Settings) *int { return &s.TrustSuggestLevel }},
	{"trust2_brakes_percent", 100, 1000, func(s *Settings) *int { return &s.TrustBrakes[TrustMember] }},
	{"trust3_brakes_percent", 100, 1000, func(s *Settings) *int { return &s.TrustBrakes[TrustRegular] }},
	{"ideas_per_hour", 1, 10000, func(s *Settings) *int { return &s.IdeasPerHour }},
	{"comments_per_hour", 1, 10000, func(s *Settings) *int { return &s.CommentsPerHour }},
	{"votes_per_hour", 1, 100000, func(s *Settings) *int { return &s.VotesPerHour }},
	{"reports_per_hour", 1, 10000, func(s *Settings) *int { return &s.ReportsPerHour }},
	{"new_member_links", 0, 100, func(s *Settings) *int { return &s.NewMemberLinks }},
	{"duplicate_minutes", 0, 1440, func(s *Settings) *int { return &s.DuplicateMinutes }},
	{"notification_retention_days", 1, 3650, func(s *Settings) *int { return &s.NotificationRetentionDays }},
}

const publicLogKey = "public_moderation_log"

// SettingKeys lists the keys of the numeric settings, in a stable order.
func SettingKeys() []string {
	keys := make([]string, len(settingFields))
	for i, f := range settingFields {
		keys[i] = f.Key
	}
	return keys
}

// Form gives the numeric settings as an admin types them, by key.
func (st Settings) Form() map[string]string {
	form := make(map[string]string, len(settingFields))
	for _, f := range settingFields {
		form[f.Key] = strconv.Itoa(*f.Field(&st))
	}
	return form
}

// settingsTTL bounds how long one instance keeps settings another instance changed.
const settingsTTL = 10 * time.Second

// Settings returns the community's settings, read at most every settingsTTL.
func (s *Store) Settings(ctx context.Context) (Settings, error) {
	return s.settings.get(s.Now(), settingsTTL, func() (Settings, error) {
		ctx := onPrimary(ctx) // kept for every request: never a replica's older copy
		var rows []struct{ Key, Value string }
		if err := s.db.WithContext(ctx).Table("settings").Select("key, value").Find(&rows).Error; err != nil {
			return Settings{}, fmt.Errorf("load settings: %w", err)
		}
		st := DefaultSettings
		for _, r := range rows {
			if r.Key == publicLogKey {
				st.PublicModerationLog = r.Value == "true"
				continue
			}
			for _, f := range settingFields {
				if n, err := strconv.Atoi(r.Value); f.Key == r.Key && err == nil && n >= f.Min && n <= f.Max {
					*f.Field(&st) = n
				}
			}
		}
		return st, nil
	})
}

// SaveSettings checks and stores numeric settings given by key (as typed by
// an admin) and the public log switch, and records the change in the audit log.
func (s *Store) SaveSettings(ctx context.Context, actor *User, values map[string]string, publicLog bool) (Settings, error) {
	st := DefaultSettings
	errs := ValidationErrors{}
	for _, f := range settingFields {
		n, err := strconv.Atoi(values[f.Key])
		if err != nil || n < f.Min || n > f.Max {
			errs[f.Key] = fmt.Sprintf("must be a whole number from %d to %d", f.Min, f.Max)
			continue
		}
		*f.Field(&st) = n
	}
	st.validateTrust(errs)
	if err := errs.orNil(); err != nil {
		return Settings{}, err
	}
	st.PublicModerationLog = publicLog
	now := s.Now()
	rows := []map[string]any{{"key": publicLogKey, "value": strconv.FormatBool(publicLog), "updated_at": now}}
	for _, f := range settingFields {
		rows = append(rows, map[string]any{"key": f.Key, "value": strconv.Itoa(*f.Field(&st)), "updated_at": now})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i]["key"].(string) < rows[j]["key"].(string) })
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Table("settings").Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "key"}}, DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"}),
		}).Create(rows).Error
		if err != nil {
			return err
		}
		return record(tx, now, Audit{Actor: actor, Action: AuditSettings, TargetType: TargetSettings})
	})
	if err != nil {
		return Settings{}, fmt.Errorf("save settings: %w", err)
	}
	s.settings.forget()
	return st, nil
}
