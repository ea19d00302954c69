package webhook

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		receives   int
		retryAfter time.Duration
		want       time.Duration
	}{
		{0, 0, 5 * time.Second}, // SQS counts from 1; anything less is the first
		{1, 0, 5 * time.Second},
		{2, 0, 30 * time.Second},
		{3, 0, 2 * time.Minute},
		{4, 0, 10 * time.Minute},
		{5, 0, 30 * time.Minute},
		{6, 0, time.Hour},
		{7, 0, 2 * time.Hour},
		{8, 0, 2 * time.Hour},
		{100, 0, 2 * time.Hour},
		{1, 7 * time.Second, 7 * time.Second},  // Retry-After longer than the schedule
		{2, 7 * time.Second, 30 * time.Second}, // shorter: the schedule wins
		{3, 2 * time.Minute, 2 * time.Minute},  // equal
		{1, 5 * time.Hour, 5 * time.Hour},      // long, but under the cap
		{1, 11 * time.Hour, 11 * time.Hour},    // under the cap
		{1, 12 * time.Hour, maxDelay},          // at SQS's limit: capped below it
		{1, 13 * time.Hour, maxDelay},          // over it
		{7, 30 * 24 * time.Hour, maxDelay},     // far over it
		{4, -time.Minute, 10 * time.Minute},    // nonsense Retry-After is ignored
	}
	for _, tt := range tests {
		if got := Backoff(tt.receives, tt.retryAfter); got != tt.want {
			t.Errorf("Backoff(%d, %v) = %v, want %v", tt.receives, tt.retryAfter, got, tt.want)
		}
	}
	if got := Backoff(1, 24*time.Hour); got.Seconds() >= 43200 || got < 11*time.Hour {
		t.Errorf("cap = %v s, want just under 43200 s (SQS's longest visibility, counted from the receive)", got.Seconds())
	}
}

func TestMaxAttempts(t *testing.T) {
	// One try, then one retry after each of the schedule's 7 delays.
	if MaxAttempts != 8 {
		t.Errorf("MaxAttempts = %d, want 8", MaxAttempts)
	}
}
