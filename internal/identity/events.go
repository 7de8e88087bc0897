package identity

import (
	"context"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
)

// Security event types written to SecurityAuditLog.
const (
	EventRegister       = "auth.register"
	EventLogin          = "auth.login"
	EventLoginFailed    = "auth.login_failed"
	EventAccountLocked  = "auth.account_locked"
	EventRefreshReuse   = "auth.refresh_token_reuse"
	EventRefreshInvalid = "auth.refresh_token_invalid"
	EventLogout         = "auth.logout"
	EventLogoutAll      = "auth.logout_all"
	EventSessionRevoked = "auth.session_revoked"

	EventEmailVerified          = "auth.email_verified"
	EventPasswordChanged        = "auth.password_changed"
	EventPasswordChangeFailed   = "auth.password_change_failed"
	EventPasswordResetRequested = "auth.password_reset_requested"
	EventPasswordReset          = "auth.password_reset"
	EventMFAEnabled             = "auth.mfa_enabled"
	EventMFADisabled            = "auth.mfa_disabled"
	EventMFADisableFailed       = "auth.mfa_disable_failed"
	EventRecoveryCodeUsed       = "auth.recovery_code_used"

	// Administration (admin.go); user_id is the administrator who acted,
	// details name what changed, organization_id is set for changes
	// within one organization.
	EventRoleCreated       = "rbac.role_created"
	EventRoleUpdated       = "rbac.role_updated"
	EventRoleDeleted       = "rbac.role_deleted"
	EventPermissionGranted = "rbac.permission_granted"
	EventPermissionRevoked = "rbac.permission_revoked"
	EventRoleAssigned      = "rbac.role_assigned"
	EventRoleUnassigned    = "rbac.role_unassigned"
	EventUserUnlocked      = "admin.user_unlocked"
	EventUserDeactivated   = "admin.user_deactivated"
)

// event is one SecurityAuditLog row.
type event struct {
	kind     string
	severity securityauditlog.Severity
	user     uuid.UUID
	org      uuid.UUID // optional
	details  map[string]any
}

// recordAlone writes e in its own transaction, for events that accompany
// a refused request (nothing else is written).
func (s *Service) recordAlone(ctx context.Context, e event) error {
	return database.WithTx(ctx, s.client, func(tx *ent.Tx) error { return record(ctx, tx, e) })
}

// record writes e with the request's metadata (audit.RecordSecurityEvent).
func record(ctx context.Context, tx *ent.Tx, e event) error {
	return audit.RecordSecurityEvent(ctx, tx, audit.SecurityEvent{Type: e.kind, Severity: e.severity,
		Org: e.org, User: e.user, Details: e.details})
}
