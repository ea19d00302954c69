package delivery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/heraldhq/herald/shared/topology"
)

// ClaimRetention is how long a delivery id is remembered, so a late duplicate is still caught.
const ClaimRetention = 7 * 24 * time.Hour

// Claim states.
const (
	stateSending   = "sending"   // a sender holds the lease and is delivering
	stateRetrying  = "retrying"  // the last attempt failed transiently; the next may claim
	stateDelivered = "delivered" // done
	stateFailed    = "failed"    // failed for good; never sent again
)

// ClaimDB is the part of DynamoDB claims call.
type ClaimDB interface {
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// Claims makes each delivery id be sent at most once at a time and never again once it has
// been delivered or failed for good. A sender claims an id before sending and settles it after.
type Claims struct {
	DB    ClaimDB
	Table string
	// Lease is how long a claim holds before another sender may take it over, should its
	// holder die mid-send. It should exceed the sender's timeout.
	Lease time.Duration
	Now   func() time.Time
}

// Claim errors.
var (
	// ErrClaimed means the delivery id was delivered or failed for good: never send it again.
	ErrClaimed = errors.New("delivery already done")
	// ErrBusy means another sender holds the id now; try again once its lease has run out.
	ErrBusy = errors.New("delivery being sent by another sender")
)

func claimKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		topology.PartitionKey: &types.AttributeValueMemberS{Value: "DEDUP#" + id},
		topology.SortKey:      &types.AttributeValueMemberS{Value: "DEDUP"},
	}
}

func (c *Claims) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Claim takes id for sending. It fails with ErrClaimed if id was delivered, failed for good, or
// is held by a sender whose lease has not run out; a retrying id can be claimed again.
func (c *Claims) Claim(ctx context.Context, id string) error {
	now := c.now()
	lease := c.Lease
	if lease <= 0 {
		lease = time.Duration(topology.VisibilityTimeoutSeconds) * time.Second
	}
	item := claimKey(id)
	item["state"] = &types.AttributeValueMemberS{Value: stateSending}
	item["lease_until"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(lease).Unix(), 10)}
	item[topology.TTLAttribute] = &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(ClaimRetention).Unix(), 10)}
	_, err := c.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(c.Table),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(PK) OR #s = :retrying OR (#s = :sending AND lease_until < :now)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ExpressionAttributeNames:            map[string]string{"#s": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":retrying": &types.AttributeValueMemberS{Value: stateRetrying},
			":sending":  &types.AttributeValueMemberS{Value: stateSending},
			":now":      &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		// Only a settled delivery is done; one being sent may still fail and need this job.
		if s, ok := ccf.Item["state"].(*types.AttributeValueMemberS); ok && s.Value == stateSending {
			return fmt.Errorf("delivery: claim %s: %w", id, ErrBusy)
		}
		return fmt.Errorf("delivery: claim %s: %w", id, ErrClaimed)
	}
	if err != nil {
		return fmt.Errorf("delivery: claim %s: %w", id, err)
	}
	return nil
}

// Settle records how the claimed attempt ended: Delivered and Failed close the id for good;
// anything else releases it for the next attempt.
func (c *Claims) Settle(ctx context.Context, id string, o Outcome) error {
	state := stateRetrying
	switch o {
	case Delivered:
		state = stateDelivered
	case Failed:
		state = stateFailed
	}
	_, err := c.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(c.Table),
		Key:                      claimKey(id),
		UpdateExpression:         aws.String("SET #s = :s, expires_at = if_not_exists(expires_at, :exp) REMOVE lease_until"),
		ExpressionAttributeNames: map[string]string{"#s": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":s":   &types.AttributeValueMemberS{Value: state},
			":exp": &types.AttributeValueMemberN{Value: strconv.FormatInt(c.now().Add(ClaimRetention).Unix(), 10)},
		},
	})
	if err != nil {
		return fmt.Errorf("delivery: settle %s as %s: %w", id, o, err)
	}
	return nil
}
