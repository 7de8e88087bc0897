package viewer_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/viewer"
)

func TestServicePrincipal(t *testing.T) {
	s := viewer.NewService()
	org, other := uuid.New(), uuid.New()
	if !s.IsService() || s.IsSystem() || s.UserID != uuid.Nil || s.AgentID != uuid.Nil {
		t.Fatalf("service viewer: %+v", s)
	}
	if s.Can(org, "agent_call", viewer.ActionCreate) || len(s.OrganizationsWhere("agent_call", viewer.ActionRead)) != 0 {
		t.Error("the unscoped service principal must hold nothing in any organization")
	}
	scoped := s.InOrganizations([]uuid.UUID{org}, viewer.Permission{Resource: "agent_call", Action: viewer.ActionCreate})
	if !scoped.IsService() || scoped.IsSystem() {
		t.Fatalf("scoped: %+v", scoped)
	}
	if !scoped.Can(org, "agent_call", viewer.ActionCreate) || scoped.Can(other, "agent_call", viewer.ActionCreate) ||
		scoped.Can(org, "agent_call", viewer.ActionRead) || scoped.Can(org, "task", viewer.ActionCreate) {
		t.Errorf("scoped service holds more or less than agent_call:create in its organization: %+v", scoped.Memberships)
	}
	if s.Can(org, "agent_call", viewer.ActionCreate) {
		t.Error("InOrganizations changed the original viewer")
	}
	if (*viewer.Viewer)(nil).IsService() {
		t.Error("no viewer is no service")
	}
}

func TestInOrganizationsIsForTheServiceOnly(t *testing.T) {
	for name, v := range map[string]*viewer.Viewer{
		"user":  {UserID: uuid.New()},
		"agent": {AgentID: uuid.New()},
		"nil":   nil,
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: InOrganizations did not panic", name)
				}
			}()
			v.InOrganizations([]uuid.UUID{uuid.New()})
		}()
	}
}
