package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/lib/pq"
)

// openPool opens a lib/pq pool whose every statement is one round trip.
//
// By default lib/pq sends a statement with arguments in two round trips:
// Parse and Describe, a Sync, then Bind and Execute. Behind a
// transaction-mode pooler (PgBouncer, the poolers of managed PostgreSQL)
// the server connection may change at that Sync, outside a transaction,
// so the Bind reaches a server that never saw the Parse ("unnamed prepared
// statement does not exist", or worse, another client's statement).
// lib/pq's binary_parameters mode sends Parse, Bind, Describe, Execute and
// Sync together, which also saves a round trip on a direct connection.
//
// In that mode lib/pq sends []byte arguments in binary format. That is
// right for bytea, but jsonb's binary format starts with a version byte,
// and ent passes JSON field values as json.RawMessage (which database/sql
// would turn into []byte). jsonAsText converts those to strings, which go
// in text format like every other argument.
func openPool(dsn string) (*sql.DB, error) {
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		var parseErr *url.Error
		if errors.As(err, &parseErr) {
			// url.Error quotes the whole URL, password included.
			return nil, errors.New("database: the database URL does not parse (not shown: it may hold a password)")
		}
		return nil, fmt.Errorf("database: the database URL: %w", err)
	}
	cfg.BinaryParameters = true
	connector, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("database: open postgres: %w", err)
	}
	return sql.OpenDB(jsonAsTextConnector{connector}), nil
}

// jsonAsTextConnector hands out connections that send JSON as text.
type jsonAsTextConnector struct{ driver.Connector }

func (c jsonAsTextConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &jsonAsTextConn{pqConn: conn.(pqConn)}, nil
}

// pqConn is what lib/pq's connection implements and database/sql uses:
// keeping every interface keeps one-shot Exec and Query (no Prepare) and
// connection resets.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.NamedValueChecker
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type jsonAsTextConn struct{ pqConn }

// CheckNamedValue sends json.RawMessage as a string (text format); every
// other value is lib/pq's business.
func (c *jsonAsTextConn) CheckNamedValue(nv *driver.NamedValue) error {
	if raw, ok := nv.Value.(json.RawMessage); ok {
		if raw == nil {
			nv.Value = nil
		} else {
			nv.Value = string(raw)
		}
		return nil
	}
	return c.pqConn.CheckNamedValue(nv)
}
