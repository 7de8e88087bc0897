package api

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/problem"
)

// exportFormats are the media types an export can be served as, the
// preferred one first (what an absent Accept or */* gets).
var exportFormats = []struct {
	mediaType string
	format    audit.Format
}{
	{"application/x-ndjson", audit.JSONL},
	{"text/csv", audit.CSV},
}

// negotiateExport picks the export format: the `format` parameter when
// given (it is explicit, so it wins over a client's default Accept),
// otherwise the Accept header's most preferred type we offer (RFC 9110
// proactive negotiation: q-values, then specificity; q=0 refuses). An
// Accept header that accepts none of them is a 406.
func negotiateExport(format string, accept string) (audit.Format, error) {
	switch format {
	case "jsonl":
		return audit.JSONL, nil
	case "csv":
		return audit.CSV, nil
	}
	if strings.TrimSpace(accept) == "" {
		return exportFormats[0].format, nil
	}
	// Equal q-values go to the type named explicitly: "text/csv, */*"
	// asks for CSV.
	best, bestQ, bestSpec := -1, 0.0, -1
	for i, offer := range exportFormats {
		q, spec := acceptQuality(accept, offer.mediaType)
		if q > bestQ || (q == bestQ && q > 0 && spec > bestSpec) {
			best, bestQ, bestSpec = i, q, spec
		}
	}
	if best < 0 {
		return 0, problem.New(http.StatusNotAcceptable, "not-acceptable",
			"the export is offered as application/x-ndjson or text/csv (or use format=jsonl|csv)")
	}
	return exportFormats[best].format, nil
}

// acceptQuality is the q-value accept gives mediaType: that of the most
// specific matching range (type/subtype 2, type/* 1, */* 0), and that
// specificity; 0 and -1 when no range matches.
func acceptQuality(accept, mediaType string) (float64, int) {
	typ, _, _ := strings.Cut(mediaType, "/")
	q, specificity := 0.0, -1
	for part := range strings.SplitSeq(accept, ",") {
		rng, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue // a malformed range matches nothing
		}
		s := -1
		switch {
		case rng == mediaType:
			s = 2
		case rng == typ+"/*":
			s = 1
		case rng == "*/*":
			s = 0
		}
		if s > specificity {
			q, specificity = quality(params["q"]), s
		}
	}
	return q, specificity
}

// quality parses a q parameter; absent means 1, malformed means 0.
func quality(s string) float64 {
	if s == "" {
		return 1
	}
	q, err := strconv.ParseFloat(s, 64)
	if err != nil || q < 0 || q > 1 {
		return 0
	}
	return q
}
