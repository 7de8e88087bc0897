package sessioncache

import (
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// Channel is the PostgreSQL notification channel every replica listens
// on. Its messages are short text:
//
//	i <nonce> s <session id>   evict a session
//	i <nonce> u <user id>      evict every session of a user
//	i <nonce> *                evict everything
//	a <nonce> <replica>        a replica has applied announcement <nonce>
//	b <replica> <seq>          a replica's beat (liveness, peer list)
//	l <replica>                a replica is shutting down: wait no more for it
const Channel = "worksynapse_auth"

const (
	kindAll     byte = '*'
	kindSession byte = 's'
	kindUser    byte = 'u'
)

// target is what an announcement makes stale.
type target struct {
	kind byte
	id   uuid.UUID
}

func invalidation(nonce string, t target) string {
	if t.kind == kindAll {
		return "i " + nonce + " *"
	}
	return "i " + nonce + " " + string(t.kind) + " " + t.id.String()
}

func ack(nonce, replica string) string { return "a " + nonce + " " + replica }

func leave(replica string) string { return "l " + replica }

func beat(replica string, seq uint64) string {
	return "b " + replica + " " + strconv.FormatUint(seq, 10)
}

// message is a parsed notification; ok is false for anything malformed,
// which is treated as "evict everything" by the listener.
type message struct {
	op      byte // 'i', 'a', 'b' or 'l'
	nonce   string
	target  target
	replica string
	seq     uint64
}

func parse(payload string) (message, bool) {
	f := strings.Fields(payload)
	if len(f) < 2 || len(f[0]) != 1 {
		return message{}, false
	}
	m := message{op: f[0][0]}
	switch {
	case m.op == 'l' && len(f) == 2:
		m.replica = f[1]
	case m.op == 'i' && len(f) == 3 && f[2] == "*":
		m.nonce, m.target = f[1], target{kind: kindAll}
	case m.op == 'i' && len(f) == 4 && len(f[2]) == 1 && (f[2][0] == kindSession || f[2][0] == kindUser):
		id, err := uuid.Parse(f[3])
		if err != nil {
			return message{}, false
		}
		m.nonce, m.target = f[1], target{kind: f[2][0], id: id}
	case m.op == 'a' && len(f) == 3:
		m.nonce, m.replica = f[1], f[2]
	case m.op == 'b' && len(f) == 3:
		seq, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			return message{}, false
		}
		m.replica, m.seq = f[1], seq
	default:
		return message{}, false
	}
	return m, true
}
