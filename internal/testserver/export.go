package testserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/internal/oas"
)

// PeakHeapGrowth runs fn while sampling the live heap (HeapInuse right
// after a forced GC, so garbage awaiting collection does not count) every
// 50 ms, and returns the peak growth over the live heap before fn.
func PeakHeapGrowth(fn func()) (growth, base uint64) {
	live := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	base = live()
	var (
		peak uint64
		wg   sync.WaitGroup
	)
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				peak = max(peak, live())
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	if peak < base {
		return 0, base
	}
	return peak - base, base
}

// StreamExport reads the audit export of org (GET
// /audit/activity/export) with token line by line, without keeping it, checking that ids strictly descend (each row once, newest
// first); it returns the rows and bytes read.
func (s *Server) StreamExport(t testing.TB, token string, org uuid.UUID, format string) (rows int, size int64) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), "GET",
		fmt.Sprintf("%s/audit/activity/export?format=%s&resource_type=Task&organization_id=%s", s.URL, format, org), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("export: %d %s", resp.StatusCode, b)
	}
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	var prev string
	for {
		line, err := r.ReadSlice('\n')
		size += int64(len(line))
		if len(line) > 0 {
			id := lineID(t, line, format)
			if id == "id" && rows == 0 && format == "csv" {
				continue // the header
			}
			if prev != "" && id >= prev {
				t.Fatalf("row %d: id %s after %s: not strictly newest first", rows, id, prev)
			}
			prev = id
			rows++
		}
		if err == io.EOF {
			return rows, size
		}
		if err != nil {
			t.Fatalf("export read after %d rows: %v", rows, err)
		}
	}
}

// lineID is the id of one exported row (the first CSV column).
func lineID(t testing.TB, line []byte, format string) string {
	if format == "csv" {
		id, _, _ := bytes.Cut(line, []byte(","))
		return string(id)
	}
	var r struct {
		ID uuid.UUID `json:"id"`
	}
	if err := json.Unmarshal(line, &r); err != nil {
		t.Fatalf("JSONL line %.100q: %v", line, err)
	}
	return r.ID.String()
}

// SignUp registers username (username@example.com) with password through
// the API, logs in, and returns the user's id and access token.
func (s *Server) SignUp(t testing.TB, username, password string) (uuid.UUID, string) {
	t.Helper()
	ctx := context.Background()
	res, err := s.Client.Register(ctx, &oas.RegisterRequest{Email: username + "@example.com", Username: username, Password: password})
	me, ok := res.(*oas.Me)
	if err != nil || !ok {
		t.Fatalf("register %s: %v %+v", username, err, res)
	}
	login, err := s.Client.Login(ctx, &oas.LoginRequest{Identifier: username, Password: password})
	pair, ok := login.(*oas.TokenPair)
	if err != nil || !ok {
		t.Fatalf("login %s: %v %+v", username, err, login)
	}
	return me.ID, pair.AccessToken
}
