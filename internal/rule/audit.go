package rule

import (
	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/privacy"
)

// SealPolicy guards the audit seals. Seals cover audit rows of every
// organization, so only superusers and system code (verification jobs)
// read them; only the sealing job (system context) creates them, and no
// one, superusers included, updates or deletes them: a changed seal would
// defeat the tamper evidence it exists for.
func SealPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), DenyAlways(),
		},
		Mutation: privacy.MutationPolicy{
			privacy.OnMutationOperation(AllowIfSystem(), ent.OpCreate),
			DenyAlways(),
		},
	}
}
