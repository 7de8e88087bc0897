package app

import (
	"context"
	"net/http"
	"strings"

	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/internal/agents"
	"github.com/worksynapse/worksynapse/internal/api"
	"github.com/worksynapse/worksynapse/internal/guard"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/llm"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/problem"
)

// costLedger is the process's one cost ledger, with the configured policy
// for unpriced models under a budget: the API's budget and reporting
// operations and the LLM gateway share it.
func (a *App) costLedger() *ledger.Ledger {
	if a.ledger == nil {
		a.ledger = ledger.New(a.DB.Ent, a.DB.Dialect)
		a.ledger.AllowUnpricedWithBudget = a.Config.Ledger.AllowUnpricedWithBudget()
	}
	return a.ledger
}

// llmGateway builds the LLM gateway with the API's authentication (and
// per-user rate limit) and error writer, so the route mounted beside the
// ogen router behaves like the operations inside it.
func (a *App) llmGateway(sec api.Security) http.Handler {
	cfg := a.Config.LLM
	writeErr := api.ErrorHandler(a.Log)
	if a.LLMLedger == nil {
		a.LLMLedger = &gatewayLedger{l: a.costLedger()}
	}
	if a.LLMGuard == nil {
		// Validated with the configuration, so this cannot fail here.
		patterns, _ := a.Config.Guard.Patterns()
		a.LLMGuard = gatewayGuard{client: a.DB.Ent, patterns: patterns, log: a.Log}
	}
	return llm.New(llm.Options{
		Client: a.DB.Ent,
		Providers: map[agent.Provider]llm.Provider{
			agent.ProviderOpenaiCompatible: llm.NewOpenAI(llm.ProviderConfig{BaseURL: cfg.OpenAICompatible.BaseURL, APIKey: cfg.OpenAICompatible.APIKey}),
			agent.ProviderAnthropic:        llm.NewAnthropic(llm.ProviderConfig{BaseURL: cfg.Anthropic.BaseURL, APIKey: cfg.Anthropic.APIKey}),
		},
		Ledger:           a.LLMLedger,
		Guard:            a.LLMGuard,
		Capture:          guard.CaptureMessages,
		Authenticate:     gatewayAuth(sec),
		WriteError:       func(w http.ResponseWriter, r *http.Request, err error) { writeErr(r.Context(), w, r, err) },
		Timeout:          cfg.Timeout,
		DefaultMaxTokens: cfg.DefaultMaxTokens,
		Log:              a.Log,
	})
}

// gatewayAuth runs the API's security handlers for the gateway: an agent
// key (X-API-Key, or `Authorization: Bearer wsa_...` as OpenAI SDKs send
// API keys) acts as its agent, any other bearer token as its user.
func gatewayAuth(sec api.Security) func(r *http.Request) (context.Context, error) {
	return func(r *http.Request) (context.Context, error) {
		if key := r.Header.Get("X-API-Key"); key != "" {
			return sec.HandleApiKeyAuth(r.Context(), llm.OperationID, oas.ApiKeyAuth{APIKey: key})
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			return nil, problem.Unauthorized("missing or invalid credentials")
		}
		if strings.HasPrefix(token, agents.KeyPrefix) {
			return sec.HandleAgentKeyBearerAuth(r.Context(), llm.OperationID, oas.AgentKeyBearerAuth{Token: token})
		}
		return sec.HandleBearerAuth(r.Context(), llm.OperationID, oas.BearerAuth{Token: token})
	}
}
