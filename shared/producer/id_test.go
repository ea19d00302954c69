package producer

import (
	"sort"
	"testing"
	"time"
)

func TestNewEventIDIsAULID(t *testing.T) {
	zero := func(b []byte) (int, error) {
		clear(b)
		return len(b), nil
	}
	// The ULID spec's example time encodes as 01ARYZ6S41.
	got := newEventID(time.UnixMilli(1469918176385), zero)
	if want := "evt_01ARYZ6S410000000000000000"; got != want {
		t.Errorf("newEventID = %s, want %s", got, want)
	}
	ones := func(b []byte) (int, error) {
		for i := range b {
			b[i] = 0xff
		}
		return len(b), nil
	}
	if got, want := newEventID(time.UnixMilli(0), ones), "evt_0000000000ZZZZZZZZZZZZZZZZ"; got != want {
		t.Errorf("newEventID = %s, want %s", got, want)
	}
}

func TestNewEventIDsSortByTime(t *testing.T) {
	var ids []string
	for i := range 5 {
		ids = append(ids, newEventID(time.Date(2026, 12, 3, 10, 15, i, 0, time.UTC), func(b []byte) (int, error) {
			for j := range b {
				b[j] = byte(50 - i*10)
			}
			return len(b), nil
		}))
	}
	if !sort.StringsAreSorted(ids) {
		t.Errorf("ids out of time order: %v", ids)
	}
	if a, b := NewEventID(), NewEventID(); a == b {
		t.Errorf("two ids alike: %s", a)
	}
}
