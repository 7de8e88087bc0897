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
	// opaqueIDPattern is an identifier chosen by a client or an operator
	// (idempotency keys, device ids, signing key ids).
	opaqueIDPattern = `^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`
	// sha256HexPattern is a lower-case hex SHA-256 digest.
	sha256HexPattern = `^[0-9a-f]{64}$`
	// ed25519HexPattern is a lower-case hex Ed25519 signature (64 bytes).
	ed25519HexPattern = `^[0-9a-f]{128}$`
	// directKeyPattern: the two member user ids of a direct channel,
	// lower-case canonical UUIDs, sorted, joined by "__" (as Mattermost).
	directKeyPattern = `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}__[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`
	// toolNamePattern is what OpenAI and Anthropic accept as a function/tool name.
	toolNamePattern = `^[A-Za-z0-9_-]{1,64}$`
	// modelPattern admits provider model ids ("gpt-4o-mini", "meta-llama/Llama-3.1-8B",
	// "ft:gpt-4o-mini:acme::id", "claude-3-5-sonnet@20241022") but no spaces or control characters.
	modelPattern    = `^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$`
	currencyPattern = `^[A-Z]{3}$`
	// roleNamePattern: upper-case role names, as the system roles (ADMIN, SUPER_ADMIN).
	roleNamePattern = `^[A-Z][A-Z0-9_]{1,63}$`
)

var (
	slugRE       = regexp.MustCompile(slugPattern)
	usernameRE   = regexp.MustCompile(usernamePattern)
	colorRE      = regexp.MustCompile(colorPattern)
	projectKeyRE = regexp.MustCompile(projectKeyPattern)
	emailRE      = regexp.MustCompile(emailPattern)
	opaqueIDRE   = regexp.MustCompile(opaqueIDPattern)
	sha256HexRE  = regexp.MustCompile(sha256HexPattern)
	ed25519HexRE = regexp.MustCompile(ed25519HexPattern)
	directKeyRE  = regexp.MustCompile(directKeyPattern)
	toolNameRE   = regexp.MustCompile(toolNamePattern)
	modelRE      = regexp.MustCompile(modelPattern)
	currencyRE   = regexp.MustCompile(currencyPattern)
	roleNameRE   = regexp.MustCompile(roleNamePattern)
)
