package models

// Action is something a user may or may not do.
type Action string

// Actions, each with the lowest role allowed to take it in permissions.
const (
	// ActAccount: see and manage one's own account, sessions and tokens.
	ActAccount Action = "account"
	// ActPropose: propose ideas, vote and comment.
	ActPropose Action = "propose"
	// ActSetStatus: move an idea to another status with a public answer.
	ActSetStatus Action = "status.set"
	// ActTagIdeas: set an idea's tags.
	ActTagIdeas Action = "ideas.tag"
	// ActManageCategories: create, change and remove categories.
	ActManageCategories Action = "categories.manage"
)

// permissions is the one table of who may do what: the lowest role for each action.
var permissions = map[Action]Role{
	ActAccount:   RoleMember,
	ActPropose:   RoleMember,
	ActSetStatus: RoleTeam,
	ActTagIdeas:  RoleTeam,

	ActManageCategories: RoleAdmin,
}

// Can reports whether u may take action a. Visitors (nil) and banned users may not.
func Can(u *User, a Action) bool {
	min, ok := permissions[a]
	return ok && u != nil && !u.Banned() && u.Role.AtLeast(min)
}
