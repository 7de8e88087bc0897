package dbmigrate

// Test access to the directory-parameterized internals.
var (
	ApplyDir  = apply
	StatusDir = status
)
