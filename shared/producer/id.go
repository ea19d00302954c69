package producer

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// crockford is the ULID alphabet: no I, L, O or U, so an id read aloud or retyped survives.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewEventID returns a new event id: "evt_" and a ULID (48 bits of milliseconds, 80 random
// bits), like the ids of the sample events, so ids sort by time.
func NewEventID() string {
	return newEventID(time.Now(), rand.Read)
}

func newEventID(now time.Time, read func([]byte) (int, error)) string {
	var b [16]byte
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(b[:6], ms[2:])
	read(b[6:]) // crypto/rand.Read never fails
	// 128 bits as 26 base-32 digits, the first carrying the top 3 bits.
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return "evt_" + string(out[:])
}
