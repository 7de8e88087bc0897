package identity

import (
	"crypto/sha256"
	"crypto/subtle"

	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// ErrInvalidServiceKey answers an X-API-Key that is not the configured
// service key on an operation open to the service principal, and any key
// while none is configured.
var ErrInvalidServiceKey = problem.New(401, "invalid-service-key", "the API key is not a valid service key")

// serviceKey holds the SHA-256 of auth.service_api_key. Keys are compared
// as hashes, which always have the same length, so the time a comparison
// takes says nothing about the configured key's length or prefix.
type serviceKey struct {
	sum [sha256.Size]byte
	set bool // an empty configuration disables the service principal
}

func newServiceKey(key string) serviceKey {
	if key == "" {
		return serviceKey{}
	}
	return serviceKey{sum: sha256.Sum256([]byte(key)), set: true}
}

// IsServiceKey reports, in constant time, whether key is the configured
// service key; never when none is configured.
func (s *Service) IsServiceKey(key string) bool {
	sum := sha256.Sum256([]byte(key))
	return subtle.ConstantTimeCompare(sum[:], s.service.sum[:]) == 1 && s.service.set
}

// AuthenticateService returns the service principal for the configured
// service key. Any other key is an authentication failure, counted like a
// bad access token.
func (s *Service) AuthenticateService(key string) (*viewer.Viewer, error) {
	if !s.service.set {
		s.onFailure("service_key_disabled")
		return nil, ErrInvalidServiceKey
	}
	if !s.IsServiceKey(key) {
		s.onFailure("invalid_service_key")
		return nil, ErrInvalidServiceKey
	}
	return viewer.NewService(), nil
}
