package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/heraldhq/herald/shared/event"
)

// ErrUnknown means the log has no delivery of that id for the rule (or it has expired).
var ErrUnknown = errors.New("delivery: no such delivery")

// Keep stores ev under id without counting an attempt, so a delivery that was skipped (the rule
// was off) can still be sent later on request.
func (l *Log) Keep(ctx context.Context, org, rule, id string, ev event.Event) error {
	_, err := l.saveEvent(ctx, org, rule, id, ev, false)
	return err
}

// Begin notes that an attempt to deliver ev to org's rule under id starts, keeping ev so the
// delivery can be sent again later, and returns the attempt's number (1 for the first).
func (l *Log) Begin(ctx context.Context, org, rule, id string, ev event.Event) (int, error) {
	return l.saveEvent(ctx, org, rule, id, ev, true)
}

// saveEvent writes the delivery's record: its event, and one more attempt if count is set, in
// which case it returns the attempt's number.
func (l *Log) saveEvent(ctx context.Context, org, rule, id string, ev event.Event, count bool) (int, error) {
	b, err := json.Marshal(ev)
	if err != nil {
		return 0, fmt.Errorf("delivery: marshal event of %s: %w", id, err)
	}
	in := &dynamodb.UpdateItemInput{
		TableName:                aws.String(l.Table),
		Key:                      key(org, rule, recordPrefix+id),
		UpdateExpression:         aws.String("SET #ev = :ev, expires_at = :exp"),
		ExpressionAttributeNames: map[string]string{"#ev": "event"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":ev":  &types.AttributeValueMemberS{Value: string(b)},
			":exp": &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Add(LogRetention).Unix(), 10)},
		},
	}
	if count {
		in.UpdateExpression = aws.String(*in.UpdateExpression + " ADD attempts :one")
		in.ExpressionAttributeValues[":one"] = &types.AttributeValueMemberN{Value: "1"}
		in.ReturnValues = types.ReturnValueUpdatedNew
	}
	out, err := l.DB.UpdateItem(ctx, in)
	if err != nil {
		return 0, fmt.Errorf("delivery: save event of %s: %w", id, err)
	}
	if !count {
		return 0, nil
	}
	n, ok := out.Attributes["attempts"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("delivery: begin attempt of %s: no attempt count returned", id)
	}
	attempt, err := strconv.Atoi(n.Value)
	if err != nil {
		return 0, fmt.Errorf("delivery: attempt count of %s: %w", id, err)
	}
	return attempt, nil
}

// Event returns the event delivered to org's rule under id.
func (l *Log) Event(ctx context.Context, org, rule, id string) (event.Event, error) {
	out, err := l.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(l.Table), Key: key(org, rule, recordPrefix+id)})
	if err != nil {
		return event.Event{}, fmt.Errorf("delivery: read %s: %w", id, err)
	}
	s, ok := out.Item["event"].(*types.AttributeValueMemberS)
	if !ok {
		return event.Event{}, fmt.Errorf("%w: %s", ErrUnknown, id)
	}
	var ev event.Event
	if err := json.Unmarshal([]byte(s.Value), &ev); err != nil {
		return event.Event{}, fmt.Errorf("delivery: decode event of %s: %w", id, err)
	}
	return ev, nil
}

// FinalFailure counts one more delivery to org's rule that ended in failure for good and
// returns how many in a row have.
func (l *Log) FinalFailure(ctx context.Context, org, rule string) (int, error) {
	out, err := l.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        aws.String(l.Table),
		Key:              key(org, rule, healthSK),
		UpdateExpression: aws.String("SET expires_at = :exp ADD failures :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": &types.AttributeValueMemberN{Value: "1"},
			":exp": &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Add(LogRetention).Unix(), 10)},
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, fmt.Errorf("delivery: count failure of %s: %w", rule, err)
	}
	n, _ := out.Attributes["failures"].(*types.AttributeValueMemberN)
	if n == nil {
		return 0, fmt.Errorf("delivery: count failure of %s: no count returned", rule)
	}
	return strconv.Atoi(n.Value)
}

// Healthy notes that a delivery to org's rule succeeded (or that a person re-enabled it):
// the run of failures starts again from zero.
func (l *Log) Healthy(ctx context.Context, org, rule string) error {
	_, err := l.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(l.Table), Key: key(org, rule, healthSK)})
	if err != nil {
		return fmt.Errorf("delivery: reset health of %s: %w", rule, err)
	}
	return nil
}
