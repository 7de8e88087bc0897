//go:build ignore

// gen writes apiconv_gen.go: the ent -> ogen converters of every exposed
// entity. It runs after ogen (see generate.go at the repository root).
package main

import (
	"log"
	"os"

	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"

	"github.com/worksynapse/worksynapse/internal/apispec"
)

func main() {
	g, err := entc.LoadGraph("./ent/schema", &gen.Config{Package: "github.com/worksynapse/worksynapse/ent"})
	if err != nil {
		log.Fatalf("apiconv: load ent graph: %v", err)
	}
	src, err := apispec.GenerateConverters(g, "internal/oas/oas_schemas_gen.go")
	if err != nil {
		log.Fatalf("apiconv: %v", err)
	}
	if err := os.WriteFile("internal/apiconv/apiconv_gen.go", src, 0o644); err != nil {
		log.Fatalf("apiconv: %v", err)
	}
}
