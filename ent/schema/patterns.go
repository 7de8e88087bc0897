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
	// toolNamePattern is what OpenAI and Anthropic accept as a function/tool name.
	toolNamePattern = `^[A-Za-z0-9_-]{1,64}$`
	// modelPattern admits provider model ids ("gpt-4o-mini", "meta-llama/Llama-3.1-8B",
	// "ft:gpt-4o-mini:acme::id", "claude-3-5-sonnet@20241022") but no spaces or control characters.
	modelPattern    = `^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$`
	currencyPattern = `^[A-Z]{3}$`
)

var (
	slugRE       = regexp.MustCompile(slugPattern)
	usernameRE   = regexp.MustCompile(usernamePattern)
	colorRE      = regexp.MustCompile(colorPattern)
	projectKeyRE = regexp.MustCompile(projectKeyPattern)
	emailRE      = regexp.MustCompile(emailPattern)
	toolNameRE   = regexp.MustCompile(toolNamePattern)
	modelRE      = regexp.MustCompile(modelPattern)
	currencyRE   = regexp.MustCompile(currencyPattern)
)
