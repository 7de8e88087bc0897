package guard

import (
	"strings"
	"testing"
	"time"
)

func TestRedact(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"openai", "key sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234 here", "key sk-proj-****1234 here"},
		{"openai legacy", "OPENAI_API_KEY sk-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789wxyz", "OPENAI_API_KEY sk-****wxyz"},
		{"anthropic", "sk-ant-api03-AAAAbbbbCCCCddddEEEEffff_-9876", "sk-ant-api03-****9876"},
		{"aws", "aws id AKIAIOSFODNN7EXAMPLE ok", "aws id ****MPLE ok"},
		{"github", "token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "token ghp_****6789"},
		{"slack", "xoxb-123456789012-abcdefghijkl", "xoxb-****ijkl"},
		{"bearer", "Authorization: Bearer abcdef0123456789abcdef", "Authorization: Bearer ****cdef"},
		{"jwt", "t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
			"t=****sR8U"},
		{"url password", "postgres://app:s3cr3t-P4ss@db.internal:5432/main", "postgres://app:****@db.internal:5432/main"},
		{"assignment", `api_key = "zq81-9fks-22ld-0001"`, `api_key = "****0001"`},
		{"json password", `{"password": "hunter2hunter2"}`, `{"password": "****ter2"}`},
		{"short password", "password=hunter2", "password=****"},
		{"card spaces", "card 4539 1488 0343 6467 exp 12/29", "card **** **** **** 6467 exp 12/29"},
		{"card dashes", "5555-5555-5555-4444", "****-****-****-4444"},
		{"card plain", "amex 378282246310005.", "amex ***********0005."},
		{"not luhn", "order 4539 1488 0343 6468", "order 4539 1488 0343 6468"},
		{"phone", "call +49 30 1234567", "call +49 30 1234567"},
		{"long id", "id 12345678901234567890123", "id 12345678901234567890123"},
		{"private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----",
			"-----BEGIN RSA PRIVATE KEY-----****-----END RSA PRIVATE KEY-----"},
		{"prose", "The password policy requires 12 characters; the token bucket refills.", "The password policy requires 12 characters; the token bucket refills."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Redact(c.in); got != c.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
}

// TestRedactLongDigitRuns: a megabyte of grouped digits takes linear time
// (it once took minutes) and a card at the end of a long run is found.
func TestRedactLongDigitRuns(t *testing.T) {
	long := strings.Repeat("1234 5678 ", 100000) + "4539 1488 0343 6467"
	done := make(chan string, 1)
	go func() { done <- Redact(long) }()
	select {
	case got := <-done:
		if !strings.HasSuffix(got, "**** **** **** 6467") {
			t.Errorf("card at the end not masked: %q", got[len(got)-40:])
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Redact on 1 MB of digits took more than 5 s")
	}
}

// TestRedactIdempotent: redacting stored text again changes nothing, so a
// retry or a second capture pass cannot corrupt what was kept.
func TestRedactIdempotent(t *testing.T) {
	in := "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234 api_key=abcdefghijkl0001 4539 1488 0343 6467 https://u:p4ssw0rd@h"
	once := Redact(in)
	if twice := Redact(once); twice != once {
		t.Errorf("second pass changed %q to %q", once, twice)
	}
	for _, leak := range []string{"AbCdEfGh", "abcdefghijkl", "4539", "p4ssw0rd"} {
		if strings.Contains(once, leak) {
			t.Errorf("%q still contains %q", once, leak)
		}
	}
}
