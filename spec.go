package worksynapse

import _ "embed"

// OpenAPISpec is the contract this binary was built from, served at
// GET /openapi.yaml so clients can always fetch the matching spec.
//
//go:embed openapi.yaml
var OpenAPISpec []byte
