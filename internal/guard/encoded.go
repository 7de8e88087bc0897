package guard

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the encoded-payload scanner: shorter runs are ordinary words
// and identifiers, and the number and size of decoded blobs is capped so a
// prompt full of base64 cannot make detection slow.
const (
	minBase64Run = 24
	minHexRun    = 32
	maxBlobs     = 32
	maxBlobBytes = 16 << 10
)

// scanEncoded decodes base64 and hex runs and scans the decoded text with
// the phrase rules: encoding an attack hides it from keyword filters but
// not from a model that is asked to decode it. Binary payloads (images in
// data URLs, hashes, keys) decode to non-text and are ignored.
func scanEncoded(fs *findings, plain string) {
	blobs := 0
	for i := 0; i < len(plain) && blobs < maxBlobs; {
		if !isBase64Byte(plain[i]) {
			i++
			continue
		}
		j := i
		for j < len(plain) && isBase64Byte(plain[j]) {
			j++
		}
		run := plain[i:j]
		if len(run) >= minBase64Run && len(run) <= maxBlobBytes && !isImageDataURL(plain[:i]) {
			blobs++
			if text, kind, ok := decodeRun(run); ok {
				rateDecoded(fs, kind, run, text)
			}
		}
		i = j
	}
}

func isBase64Byte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_' || c == '='
}

// isImageDataURL reports whether the text before a run ends in an image data
// URL header, whose payload is a picture, not instructions.
func isImageDataURL(before string) bool {
	before = strings.ToLower(before[max(len(before)-40, 0):])
	return strings.HasSuffix(before, ";base64,") && strings.Contains(before, "data:image/")
}

// decodeRun tries hex first (hex digits are also base64 letters), then the
// base64 alphabets, and accepts only decodings that look like text.
func decodeRun(run string) (text, kind string, ok bool) {
	if len(run) >= minHexRun && len(run)%2 == 0 && isHex(run) {
		b, err := hex.DecodeString(run)
		if err == nil && looksLikeText(b) {
			return string(b), "hex", true
		}
		return "", "", false
	}
	trimmed := strings.TrimRight(run, "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(trimmed); err == nil && looksLikeText(b) {
			return string(b), "base64", true
		}
	}
	return "", "", false
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// looksLikeText accepts valid UTF-8 that is mostly letters, digits,
// punctuation and spaces, with at least one space (a sentence, not a token).
func looksLikeText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	total, printable, spaces := 0, 0, 0
	for _, r := range string(b) {
		total++
		switch {
		case r == ' ' || r == '\n' || r == '\t':
			spaces++
			printable++
		case unicode.IsPrint(r):
			printable++
		}
	}
	return total > 0 && spaces > 0 && printable*100 >= total*90
}

// rateDecoded reports an encoded payload: strongly when the decoded text
// itself trips a rule, weakly when it is merely hidden prose.
func rateDecoded(fs *findings, kind, run, text string) {
	var inner findings
	inner.scanText(normalize(text), 1)
	score := 0.15
	if s := Score(inner.list); s >= 0.3 {
		score = max(0.85, s)
		// The decoded attack is the evidence worth quoting.
		fs.add(RuleEncodedPayload, score, kind+" "+excerptOf(run)+" -> "+excerptOf(text))
		return
	}
	// Merely hidden text (such as the claims of a JWT) is not quoted.
	fs.add(RuleEncodedPayload, score, kind+" "+excerptOf(run))
}

// excerptOf shortens a whole string to an excerpt.
func excerptOf(s string) string {
	return excerpt(s, []int{0, min(len(s), 60)})
}
