// Package seed creates the reference data every installation needs: the
// system roles and their permission matrix. It is idempotent.
package seed

import (
	"strings"

	"github.com/worksynapse/worksynapse/ent/permission"
)

// Resources are the permission resources, one per domain object family.
var Resources = []string{
	"organization", "member", "role", "project", "board", "sprint", "milestone",
	"task", "comment", "attachment", "label", "time_log",
	"channel", "message", "note",
	"agent", "agent_tool", "agent_session", "agent_action", "agent_call", "model_price",
	"work_log", "activity_log", "security_log",
}

// Actions are the permission actions.
var Actions = []permission.Action{
	permission.ActionCreate, permission.ActionRead, permission.ActionUpdate,
	permission.ActionDelete, permission.ActionManage, permission.ActionApprove,
}

// System role names.
const (
	RoleSuperAdmin = "SUPER_ADMIN"
	RoleAdmin      = "ADMIN"
	RoleManager    = "MANAGER"
	RoleDeveloper  = "DEVELOPER"
	RoleViewer     = "VIEWER"
)

// grant is a set of actions on a set of resources.
type grant struct {
	resources []string
	actions   []permission.Action
}

var (
	crud       = []permission.Action{permission.ActionCreate, permission.ActionRead, permission.ActionUpdate, permission.ActionDelete}
	readOnly   = []permission.Action{permission.ActionRead}
	contribute = []permission.Action{permission.ActionCreate, permission.ActionRead, permission.ActionUpdate}
	workItems  = []string{"task", "comment", "attachment", "label", "time_log", "message", "note", "work_log"}
	planning   = []string{"project", "board", "sprint", "milestone", "channel"}
)

// Matrix is the documented permission matrix of the system roles
// (docs/security.md renders it). SUPER_ADMIN and ADMIN get every permission; ADMIN's
// reach is its organization, SUPER_ADMIN's the platform (User.is_superuser).
var Matrix = map[string][]grant{
	RoleSuperAdmin: {{Resources, Actions}},
	RoleAdmin:      {{Resources, Actions}},
	RoleManager: {
		{append(append([]string{}, planning...), workItems...), crud},
		{[]string{"member"}, []permission.Action{permission.ActionRead, permission.ActionManage}},
		{[]string{"agent", "agent_tool"}, contribute},
		{[]string{"agent_session"}, crud},
		{[]string{"agent_action"}, []permission.Action{permission.ActionRead, permission.ActionApprove}},
		{[]string{"organization", "role", "agent_call", "model_price", "activity_log"}, readOnly},
	},
	RoleDeveloper: {
		{append(append([]string{}, workItems...), "agent_session"), contribute},
		{append(append([]string{}, planning...), "organization", "member", "role", "agent", "agent_tool", "agent_action", "agent_call", "model_price"), readOnly},
	},
	RoleViewer: {
		{append(append(append([]string{}, planning...), workItems...), "organization", "member", "role", "agent", "agent_tool"), readOnly},
	},
}

// RoleDescriptions document the system roles.
var RoleDescriptions = map[string]string{
	RoleSuperAdmin: "Platform operator: every permission in every organization (users with is_superuser).",
	RoleAdmin:      "Organization administrator: every permission within the organization.",
	RoleManager:    "Plans and runs projects, manages members and approves agent actions.",
	RoleDeveloper:  "Works on tasks, comments, notes, messages and time; reads the rest.",
	RoleViewer:     "Read-only access to projects, tasks, chat and notes.",
}

// Allowed reports whether role grants action on resource per the matrix.
func Allowed(role, resource string, action permission.Action) bool {
	for _, g := range Matrix[role] {
		if contains(g.resources, resource) && contains(g.actions, action) {
			return true
		}
	}
	return false
}

func contains[T comparable](xs []T, x T) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// matrixRoles are the docs/security.md table's columns.
var matrixRoles = []string{RoleSuperAdmin, RoleAdmin, RoleManager, RoleDeveloper, RoleViewer}

// MarkdownTable renders Matrix for docs/security.md: one row per resource, one
// column per system role, one letter per granted action in Actions order
// (C create, R read, U update, D delete, M manage, A approve; "-" not
// granted). A test keeps that copy identical.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| resource | " + strings.Join(matrixRoles, " | ") + " |\n|---|")
	b.WriteString(strings.Repeat("---|", len(matrixRoles)) + "\n")
	for _, res := range Resources {
		b.WriteString("| " + res + " |")
		for _, r := range matrixRoles {
			b.WriteString(" `" + cell(r, res) + "` |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func cell(role, resource string) string {
	out := make([]byte, len(Actions))
	for i, a := range Actions {
		out[i] = '-'
		if Allowed(role, resource, a) {
			out[i] = strings.ToUpper(string(a))[0]
		}
	}
	return string(out)
}
