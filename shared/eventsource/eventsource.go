// Package eventsource plays Lambda's event sources outside AWS: it polls an SQS queue and hands
// batches to a handler with the semantics of Lambda's SQS event source mapping (batches of up
// to ten, partial batch failures, messages left for their visibility timeout and the queue's
// redrive when they fail). The local stack and the end-to-end tests run Herald's real handlers
// through it.
package eventsource

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQS is the part of the SQS API a Poller calls.
type SQS interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

// BatchHandler is a Lambda handler for SQS events.
type BatchHandler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// Poller feeds one queue to one handler.
type Poller struct {
	SQS       SQS
	QueueURL  string
	QueueARN  string // put in each record's eventSourceARN, as Lambda does
	Handler   BatchHandler
	BatchSize int           // default 10
	Wait      time.Duration // long-poll wait per receive; default 1s
	Log       *slog.Logger
}

// Run polls until ctx is done.
func (p *Poller) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if _, err := p.PollOnce(ctx); err != nil && ctx.Err() == nil {
			p.Log.Error("polling failed", "queue", p.QueueURL, "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// PollOnce receives one batch, runs the handler on it and deletes what succeeded. It returns
// how many messages it received.
func (p *Poller) PollOnce(ctx context.Context) (int, error) {
	size, wait := p.BatchSize, p.Wait
	if size <= 0 || size > 10 {
		size = 10
	}
	if wait <= 0 {
		wait = time.Second
	}
	out, err := p.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(p.QueueURL),
		MaxNumberOfMessages:         int32(size),
		WaitTimeSeconds:             int32(wait / time.Second),
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
	})
	if err != nil {
		return 0, fmt.Errorf("eventsource: receive from %s: %w", p.QueueURL, err)
	}
	if len(out.Messages) == 0 {
		return 0, nil
	}
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(out.Messages))}
	for i, m := range out.Messages {
		ev.Records[i] = events.SQSMessage{
			MessageId:      aws.ToString(m.MessageId),
			ReceiptHandle:  aws.ToString(m.ReceiptHandle),
			Body:           aws.ToString(m.Body),
			Md5OfBody:      aws.ToString(m.MD5OfBody),
			Attributes:     m.Attributes,
			EventSource:    "aws:sqs",
			EventSourceARN: p.QueueARN,
		}
	}
	resp, err := p.Handler(ctx, ev)
	if err != nil {
		// Lambda treats a failed invocation as a failed batch: every message comes back after
		// its visibility timeout.
		p.Log.Error("handler failed; the whole batch will be retried", "queue", p.QueueURL, "error", err)
		return len(out.Messages), nil
	}
	failed := make(map[string]bool, len(resp.BatchItemFailures))
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	var done []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range out.Messages {
		if !failed[aws.ToString(m.MessageId)] {
			done = append(done, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
	}
	if len(done) > 0 {
		if _, err := p.SQS.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(p.QueueURL), Entries: done}); err != nil {
			return len(out.Messages), fmt.Errorf("eventsource: delete %d handled messages: %w", len(done), err)
		}
	}
	return len(out.Messages), nil
}

// EventBridge adapts an EventBridge handler (the matcher) to a queue that an EventBridge rule
// targets: each message body is one event. An event the handler fails on is retried, as
// EventBridge retries a failed Lambda target; a body that is no event is logged and dropped.
func EventBridge(h func(context.Context, events.EventBridgeEvent) error, log *slog.Logger) BatchHandler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		for _, m := range ev.Records {
			var e events.EventBridgeEvent
			if err := json.Unmarshal([]byte(m.Body), &e); err != nil {
				log.Error("dropping a message that is not an EventBridge event", "message_id", m.MessageId, "error", err)
				continue
			}
			if err := h(ctx, e); err != nil {
				log.Warn("event failed; it will be retried", "event_id", e.ID, "error", err)
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		return resp, nil
	}
}
