package config

// LedgerConfig configures the LLM cost ledger (internal/ledger).
type LedgerConfig struct {
	// UnpricedWithBudget decides a call of a model without a price when a
	// budget of its agent or organization applies: "deny" (the default;
	// the gateway answers 422 model-unpriced, since no budget can bound
	// an unknown cost) or "allow" (the call proceeds and is recorded
	// unpriced, outside every budget).
	UnpricedWithBudget string `mapstructure:"unpriced_with_budget"`
	// CallRetentionMonths drops whole months of agent_calls (PostgreSQL
	// partitions, by when each call was stored) once older than the
	// current month and this many full months before it; 0 keeps every
	// month. Costs stay in the daily rollups (AgentCostLog).
	CallRetentionMonths int `mapstructure:"call_retention_months"`
}

// AllowUnpricedWithBudget reports whether unpriced models may be called
// under a budget.
func (l LedgerConfig) AllowUnpricedWithBudget() bool { return l.UnpricedWithBudget == "allow" }

// checkLedger refuses anything but deny and allow: a typo must not
// silently open budgets.
func (c *Config) checkLedger(ch *checker) {
	if v := c.Ledger.UnpricedWithBudget; v != "deny" && v != "allow" {
		ch.fail("ledger.unpriced_with_budget", "must be deny or allow, got %q", v)
	}
	ch.retentionMonths("ledger.call_retention_months", c.Ledger.CallRetentionMonths)
}
