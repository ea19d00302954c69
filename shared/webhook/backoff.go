package webhook

import "time"

// schedule is the delay before each retry, by receive count: the first receive failed,
// wait 5s; the second, 30s; and so on, 2h from the seventh on.
var schedule = [...]time.Duration{
	5 * time.Second,
	30 * time.Second,
	2 * time.Minute,
	10 * time.Minute,
	30 * time.Minute,
	time.Hour,
	2 * time.Hour,
}

// MaxAttempts is how many times a delivery is tried: once, then once after each delay of
// the schedule. The job queue's DLQ redrive count (maxReceiveCount) is derived from it.
const MaxAttempts = len(schedule) + 1

// maxDelay is the longest delay that SQS accepts in practice: a message's visibility may not
// reach past 12 hours from when it was received, and some of that has passed by the time the
// sender asks.
const maxDelay = 11*time.Hour + 50*time.Minute

// Backoff returns how long to wait before the next attempt, given the SQS receive count of
// the attempt that failed and the receiver's Retry-After (0 if none): the schedule's delay,
// or Retry-After if that is longer, never more than maxDelay.
func Backoff(receiveCount int, retryAfter time.Duration) time.Duration {
	i := min(max(receiveCount, 1), len(schedule)) - 1
	return min(max(schedule[i], retryAfter), maxDelay)
}
