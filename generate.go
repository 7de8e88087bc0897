// Package worksynapse is the repository root. It only anchors the code
// generation pipeline: ent schema -> ent client + openapi.yaml -> ogen server
// -> ent-to-API converters (internal/apiconv).
package worksynapse

//go:generate go run ./ent/entc.go
//go:generate go tool ogen --target internal/oas --package oas --clean --config ogen.yml openapi.yaml
//go:generate go run ./internal/apiconv/gen.go
