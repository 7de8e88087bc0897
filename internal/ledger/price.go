package ledger

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/modelprice"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
)

const microsPerMillion = 1_000_000

// Usage is the token count of a call. Prompt includes Cached (as OpenAI
// reports it); Cached tokens are billed at the cached-input price.
type Usage struct {
	Prompt, Completion, Cached int64
}

// Cost is the exact cost in micro-USD of usage at price p:
//
//	((prompt-cached)*input + cached*cached_input + completion*output) / 1,000,000
//
// computed on big integers (no overflow, no floats) and rounded half up to
// a whole micro-dollar: 0.5 micro-USD and more rounds up, less rounds down.
// A cached count above the prompt count is treated as all prompt tokens
// cached (a runtime's inconsistent report must not make cost negative).
func Cost(p *ent.ModelPrice, u Usage) int64 {
	cached := min(max(u.Cached, 0), max(u.Prompt, 0))
	cachedPrice := p.InputMicrosPerMtok
	if p.CachedInputMicrosPerMtok != nil {
		cachedPrice = *p.CachedInputMicrosPerMtok
	}
	num := new(big.Int)
	add := func(tokens, price int64) {
		num.Add(num, new(big.Int).Mul(big.NewInt(tokens), big.NewInt(price)))
	}
	add(max(u.Prompt, 0)-cached, p.InputMicrosPerMtok)
	add(cached, cachedPrice)
	add(max(u.Completion, 0), p.OutputMicrosPerMtok)
	num.Add(num, big.NewInt(microsPerMillion/2))
	return num.Quo(num, big.NewInt(microsPerMillion)).Int64()
}

// worstCase is the reservation of a call: every prompt token uncached and
// every allowed output token produced, rounded up so the reservation is
// never below the cost it covers.
func worstCase(p *ent.ModelPrice, promptTokens, maxTokens int) int64 {
	num := new(big.Int).Mul(big.NewInt(int64(max(promptTokens, 0))), big.NewInt(p.InputMicrosPerMtok))
	num.Add(num, new(big.Int).Mul(big.NewInt(int64(max(maxTokens, 0))), big.NewInt(p.OutputMicrosPerMtok)))
	num.Add(num, big.NewInt(microsPerMillion-1))
	return num.Quo(num, big.NewInt(microsPerMillion)).Int64()
}

// PriceAt is the price row of provider/model in force at t, or nil when
// the model has no price then.
func PriceAt(ctx context.Context, client *ent.Client, provider, model string, t time.Time) (*ent.ModelPrice, error) {
	p, err := client.ModelPrice.Query().Where(
		modelprice.ProviderEQ(modelprice.Provider(provider)), modelprice.Model(model),
		modelprice.EffectiveFromLTE(t),
		modelprice.Or(modelprice.EffectiveToIsNil(), modelprice.EffectiveToGT(t)),
	).Order(ent.Desc(modelprice.FieldEffectiveFrom)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: price of %s/%s: %w", provider, model, err)
	}
	return p, nil
}

// priceBook caches the price rows of a few models for a batch of calls.
type priceBook map[[2]string][]*ent.ModelPrice

func loadPrices(ctx context.Context, client *ent.Client, keys map[[2]string]bool) (priceBook, error) {
	book := priceBook{}
	for k := range keys {
		rows, err := client.ModelPrice.Query().Where(
			modelprice.ProviderEQ(modelprice.Provider(k[0])), modelprice.Model(k[1])).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("ledger: prices of %s/%s: %w", k[0], k[1], err)
		}
		book[k] = rows
	}
	return book, nil
}

func (b priceBook) at(provider, model string, t time.Time) *ent.ModelPrice {
	var best *ent.ModelPrice
	for _, p := range b[[2]string{provider, model}] {
		if p.EffectiveFrom.After(t) || (p.EffectiveTo != nil && !p.EffectiveTo.After(t)) {
			continue
		}
		if best == nil || p.EffectiveFrom.After(best.EffectiveFrom) {
			best = p
		}
	}
	return best
}

// PriceInput is a price row as written by an administrator.
type PriceInput struct {
	Provider, Model                         string
	InputMicrosPerMtok, OutputMicrosPerMtok int64
	CachedInputMicrosPerMtok                *int64
	Currency                                string
	EffectiveFrom                           time.Time
	EffectiveTo                             *time.Time
}

// GetPrice loads one price of the catalog, as the viewer.
func (l *Ledger) GetPrice(ctx context.Context, id uuid.UUID) (*ent.ModelPrice, error) {
	return l.client.ModelPrice.Get(ctx, id)
}

// CreatePrice adds a price row; privacy lets only the SUPER_ADMIN (and
// system code) write the catalog. Overlapping validity answers 409.
func (l *Ledger) CreatePrice(ctx context.Context, in PriceInput) (*ent.ModelPrice, error) {
	var out *ent.ModelPrice
	err := database.WithTx(ctx, l.client, func(tx *ent.Tx) error {
		if err := checkOverlap(ctx, tx, uuid.Nil, in); err != nil {
			return err
		}
		c := tx.ModelPrice.Create().SetProvider(modelprice.Provider(in.Provider)).SetModel(in.Model).
			SetInputMicrosPerMtok(in.InputMicrosPerMtok).SetOutputMicrosPerMtok(in.OutputMicrosPerMtok).
			SetNillableCachedInputMicrosPerMtok(in.CachedInputMicrosPerMtok).
			SetEffectiveFrom(in.EffectiveFrom.UTC()).SetNillableEffectiveTo(utcPtr(in.EffectiveTo))
		if in.Currency != "" {
			c.SetCurrency(in.Currency)
		}
		var err error
		out, err = c.Save(ctx)
		return err
	})
	return out, err
}

// ReplacePrice corrects a price row (409 on overlap with another row).
// Calls keep their cost until Reprice recomputes them.
func (l *Ledger) ReplacePrice(ctx context.Context, id uuid.UUID, in PriceInput) (*ent.ModelPrice, error) {
	var out *ent.ModelPrice
	err := database.WithTx(ctx, l.client, func(tx *ent.Tx) error {
		if _, err := tx.ModelPrice.Get(ctx, id); err != nil {
			return err
		}
		if err := checkOverlap(ctx, tx, id, in); err != nil {
			return err
		}
		u := tx.ModelPrice.UpdateOneID(id).SetProvider(modelprice.Provider(in.Provider)).SetModel(in.Model).
			SetInputMicrosPerMtok(in.InputMicrosPerMtok).SetOutputMicrosPerMtok(in.OutputMicrosPerMtok).
			SetEffectiveFrom(in.EffectiveFrom.UTC())
		if in.CachedInputMicrosPerMtok != nil {
			u.SetCachedInputMicrosPerMtok(*in.CachedInputMicrosPerMtok)
		} else {
			u.ClearCachedInputMicrosPerMtok()
		}
		if in.EffectiveTo != nil {
			u.SetEffectiveTo(in.EffectiveTo.UTC())
		} else {
			u.ClearEffectiveTo()
		}
		if in.Currency != "" {
			u.SetCurrency(in.Currency)
		}
		var err error
		out, err = u.Save(ctx)
		return err
	})
	return out, err
}

// DeletePrice soft-deletes a price row.
func (l *Ledger) DeletePrice(ctx context.Context, id uuid.UUID) error {
	return database.WithTx(ctx, l.client, func(tx *ent.Tx) error {
		return tx.ModelPrice.DeleteOneID(id).Exec(ctx)
	})
}

// checkOverlap refuses a validity interval [from, to) that intersects
// another row of the same provider and model (a call must have exactly one
// price). Two intervals intersect when each starts before the other ends.
func checkOverlap(ctx context.Context, tx *ent.Tx, self uuid.UUID, in PriceInput) error {
	if in.EffectiveTo != nil && !in.EffectiveTo.After(in.EffectiveFrom) {
		return problem.Validation("effective_to must be after effective_from")
	}
	q := tx.ModelPrice.Query().Where(
		modelprice.ProviderEQ(modelprice.Provider(in.Provider)), modelprice.Model(in.Model),
		modelprice.IDNEQ(self),
		modelprice.Or(modelprice.EffectiveToIsNil(), modelprice.EffectiveToGT(in.EffectiveFrom.UTC())),
	)
	if in.EffectiveTo != nil {
		q.Where(modelprice.EffectiveFromLT(in.EffectiveTo.UTC()))
	}
	other, err := q.First(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return problem.Conflict(fmt.Sprintf("the price overlaps price %s of %s/%s (from %s)",
		other.ID, in.Provider, in.Model, other.EffectiveFrom.Format(time.RFC3339)))
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// PriceFilter narrows ListPrices.
type PriceFilter struct {
	Provider, Model *string
}

// ListPrices pages through the catalog, newest first.
func (l *Ledger) ListPrices(ctx context.Context, f PriceFilter, p pagination.Params) (pagination.Page[*ent.ModelPrice], error) {
	q := l.client.ModelPrice.Query()
	if f.Provider != nil {
		q.Where(modelprice.ProviderEQ(modelprice.Provider(*f.Provider)))
	}
	if f.Model != nil {
		q.Where(modelprice.Model(*f.Model))
	}
	return pagination.List(ctx, q, p, func(m *ent.ModelPrice) uuid.UUID { return m.ID })
}
