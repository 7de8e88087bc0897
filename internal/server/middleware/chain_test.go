package middleware

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestChainOrder(t *testing.T) {
	tests := []struct {
		name string
		mws  []string
		want []string
	}{
		{name: "none", mws: nil, want: []string{"handler"}},
		{name: "one", mws: []string{"a"}, want: []string{"a in", "handler", "a out"}},
		{
			name: "first is outermost",
			mws:  []string{"a", "b", "c"},
			want: []string{"a in", "b in", "c in", "handler", "c out", "b out", "a out"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			trace := func(name string) Middleware {
				return func(next http.Handler) http.Handler {
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						got = append(got, name+" in")
						next.ServeHTTP(w, r)
						got = append(got, name+" out")
					})
				}
			}
			var mws []Middleware
			for _, name := range tt.mws {
				mws = append(mws, trace(name))
			}
			h := Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				got = append(got, "handler")
			}), mws...)

			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))

			if !slices.Equal(got, tt.want) {
				t.Errorf("order = %v, want %v", got, tt.want)
			}
		})
	}
}
