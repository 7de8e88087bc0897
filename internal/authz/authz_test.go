package authz_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/authz"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// One answer for every check: the right passes; a member without it is
// told which right (403); anyone else learns nothing of an
// organization-wide operation (404) — and gets 403 where the caller has
// already shown it the thing acted on (Require).
func TestRequire(t *testing.T) {
	t.Parallel()
	org := uuid.New()
	var editor viewer.Permissions
	editor.Add("task", viewer.ActionUpdate)
	viewers := map[string]*viewer.Viewer{
		"member with the right": {UserID: uuid.New(), Memberships: map[uuid.UUID]viewer.Membership{
			org: {OrganizationID: org, Permissions: editor}}},
		"member without it": {UserID: uuid.New(), Memberships: map[uuid.UUID]viewer.Membership{
			org: {OrganizationID: org}}},
		"outsider":  {UserID: uuid.New(), Memberships: map[uuid.UUID]viewer.Membership{}},
		"superuser": {UserID: uuid.New(), Superuser: true},
		"no viewer": nil,
	}
	want := map[string][2]int{ // Require, RequireInOrganization: 0 (nil), 403, 404
		"member with the right": {0, 0},
		"member without it":     {403, 403},
		"outsider":              {403, 404},
		"superuser":             {0, 0},
		"no viewer":             {403, 404},
	}
	for name, v := range viewers {
		ctx := context.Background()
		if v != nil {
			ctx = viewer.NewContext(ctx, v)
		}
		got := [2]int{
			status(authz.Require(ctx, org, "task", viewer.ActionUpdate, "labelling a task")),
			status(authz.RequireInOrganization(ctx, org, "task", viewer.ActionUpdate, "labelling a task")),
		}
		if got != want[name] {
			t.Errorf("%s: Require, RequireInOrganization = %v, want %v", name, got, want[name])
		}
	}
	var p *problem.Problem
	if err := authz.Require(context.Background(), org, "task", viewer.ActionUpdate, "labelling a task"); !errors.As(err, &p) ||
		p.Detail != "labelling a task needs task:update" {
		t.Errorf("the 403 names the right: %v", err)
	}
}

func status(err error) int {
	if err == nil {
		return 0
	}
	var p *problem.Problem
	if errors.As(err, &p) {
		return p.Status
	}
	return -1
}
