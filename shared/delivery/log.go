package delivery

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/heraldhq/herald/shared/event"
	"github.com/heraldhq/herald/shared/topology"
)

// LogRetention is how long the delivery log keeps an attempt.
const LogRetention = 30 * 24 * time.Hour

// Entry is one attempt in the delivery log.
type Entry struct {
	Org        string     `json:"-" dynamodbav:"org"`
	Rule       string     `json:"notification" dynamodbav:"notification"`
	DeliveryID string     `json:"delivery_id" dynamodbav:"delivery_id"`
	Time       time.Time  `json:"time" dynamodbav:"time"`
	Attempt    int        `json:"attempt" dynamodbav:"attempt"`
	Outcome    Outcome    `json:"outcome" dynamodbav:"outcome"`
	EventType  event.Type `json:"event_type" dynamodbav:"event_type"`
	EventID    string     `json:"event_id" dynamodbav:"event_id"`
	Status     int        `json:"status,omitempty" dynamodbav:"status,omitempty"`
	MessageID  string     `json:"message_id,omitempty" dynamodbav:"message_id,omitempty"`
	Error      string     `json:"error,omitempty" dynamodbav:"error,omitempty"`
	DurationMS int64      `json:"duration_ms" dynamodbav:"duration_ms"`
	Test       bool       `json:"test,omitempty" dynamodbav:"test,omitempty"`
}

// LogDB is the part of DynamoDB the log calls.
type LogDB interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// Log is the delivery log: one partition per rule, attempts sorted by time.
type Log struct {
	DB    LogDB
	Table string
}

type logItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Expires int64  `dynamodbav:"expires_at"`
	Entry
}

// A rule's partition holds its log entries (LOG#<time>#<id>#<attempt>), one record per
// delivery with its event (DLV#<id>), and its health (HEALTH).
const (
	logPrefix    = "LOG#"
	recordPrefix = "DLV#"
	healthSK     = "HEALTH"
)

func logPK(org, rule string) string { return "DELIVERY#" + org + "#" + rule }

func key(org, rule, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		topology.PartitionKey: &types.AttributeValueMemberS{Value: logPK(org, rule)},
		topology.SortKey:      &types.AttributeValueMemberS{Value: sk},
	}
}

// Record writes e; it expires after LogRetention.
func (l *Log) Record(ctx context.Context, e Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	av, err := attributevalue.MarshalMap(logItem{
		PK:      logPK(e.Org, e.Rule),
		SK:      logPrefix + e.Time.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + e.DeliveryID + "#" + strconv.Itoa(e.Attempt),
		Expires: e.Time.Add(LogRetention).Unix(),
		Entry:   e,
	})
	if err != nil {
		return fmt.Errorf("delivery: marshal log entry %s: %w", e.DeliveryID, err)
	}
	if _, err := l.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(l.Table), Item: av}); err != nil {
		return fmt.Errorf("delivery: record %s of %s: %w", e.Outcome, e.DeliveryID, err)
	}
	return nil
}

// ErrBadCursor means a cursor was not one List returned.
var ErrBadCursor = fmt.Errorf("delivery: the cursor is not valid; start again without it")

// List returns up to limit entries of org's rule, newest first, and a cursor for the next page
// ("" when there is none).
func (l *Log) List(ctx context.Context, org, rule string, limit int, cursor string) ([]Entry, string, error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(l.Table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :log)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":  &types.AttributeValueMemberS{Value: logPK(org, rule)},
			":log": &types.AttributeValueMemberS{Value: logPrefix},
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(int32(limit)),
	}
	if cursor != "" {
		sk, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || !strings.HasPrefix(string(sk), logPrefix) {
			return nil, "", ErrBadCursor
		}
		in.ExclusiveStartKey = key(org, rule, string(sk))
	}
	out, err := l.DB.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("delivery: list log of %s: %w", rule, err)
	}
	var items []logItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, "", fmt.Errorf("delivery: unmarshal log of %s: %w", rule, err)
	}
	entries := make([]Entry, len(items))
	for i, it := range items {
		entries[i] = it.Entry
	}
	next := ""
	if sk, ok := out.LastEvaluatedKey[topology.SortKey].(*types.AttributeValueMemberS); ok && len(items) == limit {
		next = base64.RawURLEncoding.EncodeToString([]byte(sk.Value))
	}
	return entries, next, nil
}
