package api

import _ "embed"

// openAPISpec is the OpenAPI 3.1 document of every route of the API and
// the feeds out; TestOpenAPI calls each route on real data and checks the
// answer against it, so it stays true.
//
//go:embed openapi.json
var openAPISpec []byte
