package api

import (
	"context"

	"github.com/worksynapse/worksynapse/internal/oas"
)

// Bodies of the 202 answers. The forgot-password one is the same whether
// or not the account exists.
const (
	msgVerificationSent = "A verification email has been sent."
	msgResetRequested   = "If an account with this email address exists, a password reset email has been sent."
)

// VerifyEmail implements POST /auth/email/verify.
func (h *Handler) VerifyEmail(ctx context.Context, req *oas.VerifyEmailRequest) (oas.VerifyEmailRes, error) {
	if err := h.identity.VerifyEmail(ctx, req.Token); err != nil {
		return nil, err
	}
	return &oas.VerifyEmailNoContent{}, nil
}

// ResendEmailVerification implements POST /auth/email/verify/resend.
func (h *Handler) ResendEmailVerification(ctx context.Context) (oas.ResendEmailVerificationRes, error) {
	v, err := mustViewer(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.identity.ResendVerification(ctx, v); err != nil {
		return nil, err
	}
	return &oas.MailAccepted{Message: msgVerificationSent}, nil
}

// ChangePassword implements POST /auth/password/change.
func (h *Handler) ChangePassword(ctx context.Context, req *oas.ChangePasswordRequest) (oas.ChangePasswordRes, error) {
	v, err := mustViewer(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.identity.ChangePassword(ctx, v, req.CurrentPassword, req.NewPassword); err != nil {
		return nil, err
	}
	return &oas.ChangePasswordNoContent{}, nil
}

// ForgotPassword implements POST /auth/password/forgot.
func (h *Handler) ForgotPassword(ctx context.Context, req *oas.ForgotPasswordRequest) (oas.ForgotPasswordRes, error) {
	if err := h.identity.ForgotPassword(ctx, req.Email); err != nil {
		return nil, err
	}
	return &oas.MailAccepted{Message: msgResetRequested}, nil
}

// ResetPassword implements POST /auth/password/reset.
func (h *Handler) ResetPassword(ctx context.Context, req *oas.ResetPasswordRequest) (oas.ResetPasswordRes, error) {
	if err := h.identity.ResetPassword(ctx, req.Token, req.NewPassword); err != nil {
		return nil, err
	}
	return &oas.ResetPasswordNoContent{}, nil
}

// EnrollMfa implements POST /auth/mfa/enroll.
func (h *Handler) EnrollMfa(ctx context.Context) (oas.EnrollMfaRes, error) {
	v, err := mustViewer(ctx)
	if err != nil {
		return nil, err
	}
	e, err := h.identity.EnrollMFA(ctx, v)
	if err != nil {
		return nil, err
	}
	return &oas.MfaEnrollment{Secret: e.Secret, OtpauthURI: e.URI}, nil
}

// ConfirmMfa implements POST /auth/mfa/confirm.
func (h *Handler) ConfirmMfa(ctx context.Context, req *oas.MfaConfirmRequest) (oas.ConfirmMfaRes, error) {
	v, err := mustViewer(ctx)
	if err != nil {
		return nil, err
	}
	codes, err := h.identity.ConfirmMFA(ctx, v, req.Code)
	if err != nil {
		return nil, err
	}
	return &oas.MfaRecoveryCodes{RecoveryCodes: codes}, nil
}

// DisableMfa implements POST /auth/mfa/disable.
func (h *Handler) DisableMfa(ctx context.Context, req *oas.MfaDisableRequest) (oas.DisableMfaRes, error) {
	v, err := mustViewer(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.identity.DisableMFA(ctx, v, req.Password, req.Code); err != nil {
		return nil, err
	}
	return &oas.DisableMfaNoContent{}, nil
}
