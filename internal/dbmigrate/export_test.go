package dbmigrate

// Test access to the directory-parameterized internals.
var (
	ApplyDir  = apply
	StatusDir = status
)

// LockID is the advisory lock key apply takes.
var LockID = lockID
