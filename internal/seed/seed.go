package seed

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/permission"
	"github.com/worksynapse/worksynapse/ent/role"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Result counts what a run created (zero on a re-run).
type Result struct {
	Permissions, Roles, Grants int
}

// Run creates missing permissions, system roles and grants in one
// transaction. Existing rows are left as they are, so it is safe to re-run.
func Run(ctx context.Context, client *ent.Client) (Result, error) {
	// Why a system context: seeding runs before any user exists.
	ctx = viewer.NewSystemContext(ctx, "seed")
	var res Result
	err := database.WithTx(ctx, client, func(tx *ent.Tx) error {
		perms, err := ensurePermissions(ctx, tx, &res)
		if err != nil {
			return err
		}
		for _, name := range []string{RoleSuperAdmin, RoleAdmin, RoleManager, RoleDeveloper, RoleViewer} {
			if err := ensureRole(ctx, tx, name, perms, &res); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

type permKey struct {
	resource string
	action   permission.Action
}

func ensurePermissions(ctx context.Context, tx *ent.Tx, res *Result) (map[permKey]*ent.Permission, error) {
	existing, err := tx.Permission.Query().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("seed: load permissions: %w", err)
	}
	perms := make(map[permKey]*ent.Permission, len(existing))
	for _, p := range existing {
		perms[permKey{p.Resource, p.Action}] = p
	}
	for _, r := range Resources {
		for _, a := range Actions {
			k := permKey{r, a}
			if perms[k] != nil {
				continue
			}
			p, err := tx.Permission.Create().SetResource(r).SetAction(a).
				SetDescription(fmt.Sprintf("%s %s", a, r)).Save(ctx)
			if err != nil {
				return nil, fmt.Errorf("seed: permission %s:%s: %w", r, a, err)
			}
			perms[k] = p
			res.Permissions++
		}
	}
	return perms, nil
}

func ensureRole(ctx context.Context, tx *ent.Tx, name string, perms map[permKey]*ent.Permission, res *Result) error {
	r, err := tx.Role.Query().Where(role.NameEQ(name), role.OrganizationID(uuid.Nil)).Only(ctx)
	if ent.IsNotFound(err) {
		r, err = tx.Role.Create().SetOrganizationID(uuid.Nil).SetName(name).SetIsSystem(true).
			SetDescription(RoleDescriptions[name]).Save(ctx)
		res.Roles++
	}
	if err != nil {
		return fmt.Errorf("seed: role %s: %w", name, err)
	}
	have, err := r.QueryPermissions().IDs(ctx)
	if err != nil {
		return fmt.Errorf("seed: grants of %s: %w", name, err)
	}
	granted := map[any]bool{}
	for _, id := range have {
		granted[id] = true
	}
	for k, p := range perms {
		if !Allowed(name, k.resource, k.action) || granted[p.ID] {
			continue
		}
		if err := tx.RolePermission.Create().SetRoleID(r.ID).SetPermissionID(p.ID).Exec(ctx); err != nil {
			return fmt.Errorf("seed: grant %s %s:%s: %w", name, k.resource, k.action, err)
		}
		res.Grants++
	}
	return nil
}
