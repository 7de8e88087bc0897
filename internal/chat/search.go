package chat

import (
	"context"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent/message"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
)

// SearchQuery is a message search: all words of Text, and the filters set.
type SearchQuery struct {
	Text         string
	ChannelID    *uuid.UUID
	AuthorID     *uuid.UUID
	Since, Until *time.Time
	HasFile      *bool
}

// Search pages through the messages of org the viewer can read (the
// privacy filter: public channels and those they belong to) matching q,
// newest first. On PostgreSQL it is full-text search with the simple
// configuration, `to_tsvector('simple', body) @@ plainto_tsquery(...)`,
// which the GIN index of migrations/*_search_indexes.sql serves (it is
// correct without it); on SQLite every word must occur, case-insensitively.
func (s *Service) Search(ctx context.Context, org uuid.UUID, q SearchQuery, p pagination.Params) (pagination.Page[*View], error) {
	if err := inOrg(ctx, org); err != nil {
		return pagination.Page[*View]{}, err
	}
	words := strings.Fields(q.Text)
	if len(words) == 0 {
		return pagination.Page[*View]{}, problem.Validation("nothing to search for", problem.FieldError{Field: "q", Message: "must contain a word"})
	}
	mq := s.client.Message.Query().Where(message.OrganizationID(org))
	if q.ChannelID != nil {
		mq.Where(message.ChannelID(*q.ChannelID))
	}
	if q.AuthorID != nil {
		mq.Where(message.AuthorID(*q.AuthorID))
	}
	if q.Since != nil {
		mq.Where(message.CreatedAtGTE(*q.Since))
	}
	if q.Until != nil {
		mq.Where(message.CreatedAtLT(*q.Until))
	}
	if q.HasFile != nil {
		mq.Where(message.HasFiles(*q.HasFile))
	}
	mq.Where(func(sel *sql.Selector) { sel.Where(s.matches(sel.C(message.FieldBody), q.Text, words)) })
	page, err := pagination.List(ctx, mq, p, messageID)
	if err != nil {
		return pagination.Page[*View]{}, err
	}
	return s.viewPage(ctx, page)
}

// likeEscaper escapes LIKE's wildcards (with \ as the escape character).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// matches is the word predicate on column body; the text is always a
// bound parameter.
func (s *Service) matches(body, text string, words []string) *sql.Predicate {
	if s.dialect == dialect.Postgres {
		return sql.P(func(b *sql.Builder) {
			b.WriteString("to_tsvector('simple', " + body + ") @@ plainto_tsquery('simple', ").Arg(text).WriteString(")")
		})
	}
	preds := make([]*sql.Predicate, len(words))
	for i, w := range words {
		pattern := "%" + likeEscaper.Replace(strings.ToLower(w)) + "%"
		preds[i] = sql.P(func(b *sql.Builder) {
			b.WriteString("LOWER(" + body + ") LIKE ").Arg(pattern).WriteString(` ESCAPE '\'`)
		})
	}
	return sql.And(preds...)
}
