package requestmeta

import (
	"context"
	"sync"
	"testing"
)

func TestFromContext(t *testing.T) {
	full := Meta{RequestID: "req-1", ClientIP: "192.0.2.1", UserAgent: "curl/8", Operation: "getUser"}
	tests := []struct {
		name string
		ctx  context.Context
		want Meta
	}{
		{name: "absent", ctx: context.Background(), want: Meta{}},
		{name: "present", ctx: NewContext(context.Background(), full), want: full},
		{
			name: "unrelated value with same underlying type is ignored",
			ctx:  context.WithValue(context.Background(), struct{}{}, &holder{meta: full}),
			want: Meta{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromContext(tt.ctx); got != tt.want {
				t.Errorf("FromContext() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSetOperation(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() context.Context
		op   string
		want Meta
	}{
		{
			name: "no metadata is a no-op",
			ctx:  context.Background,
			op:   "listThings",
			want: Meta{},
		},
		{
			name: "fills operation and keeps other fields",
			ctx:  func() context.Context { return NewContext(context.Background(), Meta{RequestID: "r"}) },
			op:   "listThings",
			want: Meta{RequestID: "r", Operation: "listThings"},
		},
		{
			name: "overwrites earlier operation",
			ctx: func() context.Context {
				return NewContext(context.Background(), Meta{RequestID: "r", Operation: "old"})
			},
			op:   "new",
			want: Meta{RequestID: "r", Operation: "new"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx()
			SetOperation(ctx, tt.op)
			if got := FromContext(ctx); got != tt.want {
				t.Errorf("FromContext() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// An inner layer derives its own context (as routers and ogen do) and sets
// the operation there; the outer layer must still see it on its context.
func TestSetOperationVisibleToOuterContext(t *testing.T) {
	outer := NewContext(context.Background(), Meta{RequestID: "r"})
	type innerKey struct{}
	inner, cancel := context.WithCancel(context.WithValue(outer, innerKey{}, 1))
	defer cancel()

	SetOperation(inner, "createThing")

	if got := FromContext(outer).Operation; got != "createThing" {
		t.Errorf("outer Operation = %q, want %q", got, "createThing")
	}
}

func TestConcurrentAccess(t *testing.T) {
	ctx := NewContext(context.Background(), Meta{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			SetOperation(ctx, "op")
			_ = FromContext(ctx)
		})
	}
	wg.Wait()
	if got := FromContext(ctx).Operation; got != "op" {
		t.Errorf("Operation = %q, want op", got)
	}
}
