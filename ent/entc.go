//go:build ignore

// entc generates the ent client from ent/schema and, through the entoas
// extension, the OpenAPI contract at the repository root (openapi.yaml).
// Run it with `go generate ./...` from the repository root.
package main

import (
	"log"

	"entgo.io/contrib/entoas"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"

	"github.com/worksynapse/worksynapse/internal/apispec"
)

func main() {
	spec := apispec.Base()
	oas, err := entoas.NewExtension(
		entoas.Spec(spec),
		// Operations are opted in per entity once a handler implements them,
		// so the contract never advertises an endpoint that answers 501.
		entoas.DefaultPolicy(entoas.PolicyExclude),
		entoas.Mutations(apispec.Mutate),
		entoas.WriteTo(apispec.Discard{}),
	)
	if err != nil {
		log.Fatalf("entoas: %v", err)
	}
	err = entc.Generate("./ent/schema", &gen.Config{
		Target:  "./ent",
		Package: "github.com/worksynapse/worksynapse/ent",
		Features: []gen.Feature{
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureIntercept,
			gen.FeatureVersionedMigration,
			gen.FeatureUpsert,
			gen.FeatureLock,
			gen.FeatureModifier,
			gen.FeatureExecQuery,
		},
	}, entc.Extensions(oas), entc.TemplateFiles("./ent/template/sqltx.tmpl"))
	if err != nil {
		log.Fatalf("entc: %v", err)
	}
	if err := apispec.WriteYAML(spec, "openapi.yaml"); err != nil {
		log.Fatalf("openapi.yaml: %v", err)
	}
}
