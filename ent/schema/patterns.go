package schema

import "regexp"

// Patterns shared by ent validators and the OpenAPI spec (ECMA-262 compatible,
// so ogen and browsers enforce the same rule the database layer does).
const (
	slugPattern       = `^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`
	usernamePattern   = `^[A-Za-z0-9](?:[A-Za-z0-9._-]{1,38}[A-Za-z0-9])$`
	colorPattern      = `^#[0-9A-Fa-f]{6}$`
	projectKeyPattern = `^[A-Z][A-Z0-9]{1,9}$`
	emailPattern      = `^[^@\s]+@[^@\s]+\.[^@\s]+$`
	sha256Pattern     = `^[0-9a-f]{64}$`
	// directKeyPattern: the two member user ids of a direct channel,
	// lower-case canonical UUIDs, sorted, joined by "__" (as Mattermost).
	directKeyPattern = `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}__[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`
)

var (
	slugRE       = regexp.MustCompile(slugPattern)
	usernameRE   = regexp.MustCompile(usernamePattern)
	colorRE      = regexp.MustCompile(colorPattern)
	projectKeyRE = regexp.MustCompile(projectKeyPattern)
	emailRE      = regexp.MustCompile(emailPattern)
	sha256RE     = regexp.MustCompile(sha256Pattern)
	directKeyRE  = regexp.MustCompile(directKeyPattern)
)
