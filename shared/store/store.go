// Package store keeps notification rules in Herald's DynamoDB table: one item per rule under
// its organization's partition, plus a per-organization counter that enforces the rule limit.
package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/heraldhq/herald/shared/notification"
	"github.com/heraldhq/herald/shared/topology"
)

// Errors callers branch on.
var (
	ErrNotFound = errors.New("notification not found")
	ErrExists   = errors.New("notification already exists")
	ErrConflict = errors.New("notification was changed by someone else")
	ErrLimit    = errors.New("organization has reached its notification limit")
)

// DynamoDB is the part of the DynamoDB API the store calls.
type DynamoDB interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Rules stores notification rules.
type Rules struct {
	DB    DynamoDB
	Table string
	// Limit is the most rules an organization may have; notification.MaxRulesPerOrg if zero.
	Limit int
}

const (
	rulePrefix = "NOTIFICATION#"
	counterSK  = "COUNTER"
)

func orgPK(org string) string { return "ORG#" + org }

// Key returns the primary key of org's rule name.
func Key(org, name string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		topology.PartitionKey: &types.AttributeValueMemberS{Value: orgPK(org)},
		topology.SortKey:      &types.AttributeValueMemberS{Value: rulePrefix + name},
	}
}

func counterKey(org string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		topology.PartitionKey: &types.AttributeValueMemberS{Value: orgPK(org)},
		topology.SortKey:      &types.AttributeValueMemberS{Value: counterSK},
	}
}

type item struct {
	PK string `dynamodbav:"PK"`
	SK string `dynamodbav:"SK"`
	notification.Rule
}

func (s *Rules) limit() int {
	if s.Limit > 0 {
		return s.Limit
	}
	return notification.MaxRulesPerOrg
}

// Create stores a new rule. It fails with ErrExists if the org already has a rule of that name
// and with ErrLimit if the org is at its limit; both checks are part of one transaction.
func (s *Rules) Create(ctx context.Context, r notification.Rule) error {
	av, err := attributevalue.MarshalMap(item{PK: orgPK(r.Org), SK: rulePrefix + r.Name, Rule: r})
	if err != nil {
		return fmt.Errorf("store: marshal %s: %w", r.Name, err)
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{
				TableName:           aws.String(s.Table),
				Item:                av,
				ConditionExpression: aws.String("attribute_not_exists(PK)"),
			}},
			{Update: &types.Update{
				TableName:                aws.String(s.Table),
				Key:                      counterKey(r.Org),
				UpdateExpression:         aws.String("ADD #n :one"),
				ConditionExpression:      aws.String("attribute_not_exists(#n) OR #n < :max"),
				ExpressionAttributeNames: map[string]string{"#n": "rules"},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":one": &types.AttributeValueMemberN{Value: "1"},
					":max": &types.AttributeValueMemberN{Value: strconv.Itoa(s.limit())},
				},
			}},
		},
	})
	switch failed := cancelled(err); {
	case err == nil:
		return nil
	case failed[0]:
		return fmt.Errorf("store: create %s: %w", r.Name, ErrExists)
	case failed[1]:
		return fmt.Errorf("store: create %s: %w", r.Name, ErrLimit)
	default:
		return fmt.Errorf("store: create %s: %w", r.Name, err)
	}
}

// cancelled reports which items of a cancelled transaction failed their condition.
func cancelled(err error) map[int]bool {
	out := map[int]bool{}
	var tc *types.TransactionCanceledException
	if !errors.As(err, &tc) {
		return out
	}
	for i, r := range tc.CancellationReasons {
		if aws.ToString(r.Code) == "ConditionalCheckFailed" {
			out[i] = true
		}
	}
	if len(tc.CancellationReasons) == 0 && strings.Contains(tc.ErrorMessage(), "ConditionalCheckFailed") {
		out[0] = true // emulators that omit the reasons list
	}
	return out
}

// Get returns org's rule name, with its secret.
func (s *Rules) Get(ctx context.Context, org, name string) (notification.Rule, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.Table),
		Key:            Key(org, name),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return notification.Rule{}, fmt.Errorf("store: get %s: %w", name, err)
	}
	if out.Item == nil {
		return notification.Rule{}, fmt.Errorf("store: get %s: %w", name, ErrNotFound)
	}
	var it item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return notification.Rule{}, fmt.Errorf("store: unmarshal %s: %w", name, err)
	}
	return it.Rule, nil
}

// List returns org's rules in name order, with their secrets: one Query, paged.
func (s *Rules) List(ctx context.Context, org string) ([]notification.Rule, error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.Table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: orgPK(org)},
			":sk": &types.AttributeValueMemberS{Value: rulePrefix},
		},
	}
	var rules []notification.Rule
	p := dynamodb.NewQueryPaginator(s.DB, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: list %s: %w", org, err)
		}
		var items []item
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("store: unmarshal rules of %s: %w", org, err)
		}
		for _, it := range items {
			rules = append(rules, it.Rule)
		}
	}
	return rules, nil
}

// Update replaces a rule that still has the version r.Version, and bumps the version in r.
// ErrConflict means someone else wrote it since it was read; ErrNotFound that it was deleted.
func (s *Rules) Update(ctx context.Context, r *notification.Rule) error {
	read := r.Version
	next := *r
	next.Version = read + 1
	av, err := attributevalue.MarshalMap(item{PK: orgPK(r.Org), SK: rulePrefix + r.Name, Rule: next})
	if err != nil {
		return fmt.Errorf("store: marshal %s: %w", r.Name, err)
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.Table),
		Item:                av,
		ConditionExpression: aws.String("attribute_exists(PK) AND version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(read, 10)},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		r.Version = next.Version
		return nil
	case errors.As(err, &ccf):
		if _, gerr := s.Get(ctx, r.Org, r.Name); errors.Is(gerr, ErrNotFound) {
			return fmt.Errorf("store: update %s: %w", r.Name, ErrNotFound)
		}
		return fmt.Errorf("store: update %s (version %d): %w", r.Name, read, ErrConflict)
	default:
		return fmt.Errorf("store: update %s: %w", r.Name, err)
	}
}

// Delete removes org's rule name and returns what it was. ErrNotFound if there was none.
func (s *Rules) Delete(ctx context.Context, org, name string) (notification.Rule, error) {
	r, err := s.Get(ctx, org, name)
	if err != nil {
		return notification.Rule{}, err
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Delete: &types.Delete{
				TableName:           aws.String(s.Table),
				Key:                 Key(org, name),
				ConditionExpression: aws.String("attribute_exists(PK)"),
			}},
			{Update: &types.Update{
				TableName:                aws.String(s.Table),
				Key:                      counterKey(org),
				UpdateExpression:         aws.String("ADD #n :minus"),
				ExpressionAttributeNames: map[string]string{"#n": "rules"},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":minus": &types.AttributeValueMemberN{Value: "-1"},
				},
			}},
		},
	})
	if failed := cancelled(err); failed[0] {
		return notification.Rule{}, fmt.Errorf("store: delete %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return notification.Rule{}, fmt.Errorf("store: delete %s: %w", name, err)
	}
	return r, nil
}

// Disable turns off org's rule name if it is on, recording why, and returns the rule as it is
// now. ErrNotFound if there is no such rule; ErrConflict if it was already off.
func (s *Rules) Disable(ctx context.Context, org, name, reason, actor string, now time.Time) (notification.Rule, error) {
	at, err := attributevalue.Marshal(now)
	if err != nil {
		return notification.Rule{}, fmt.Errorf("store: marshal time: %w", err)
	}
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.Table),
		Key:                 Key(org, name),
		UpdateExpression:    aws.String("SET enabled = :false, disabled_reason = :reason, disabled_at = :at, updated_at = :at, updated_by = :actor ADD version :one"),
		ConditionExpression: aws.String("attribute_exists(PK) AND enabled = :true"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":false":  &types.AttributeValueMemberBOOL{Value: false},
			":true":   &types.AttributeValueMemberBOOL{Value: true},
			":reason": &types.AttributeValueMemberS{Value: reason},
			":at":     at,
			":actor":  &types.AttributeValueMemberS{Value: actor},
			":one":    &types.AttributeValueMemberN{Value: "1"},
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if _, gerr := s.Get(ctx, org, name); errors.Is(gerr, ErrNotFound) {
			return notification.Rule{}, fmt.Errorf("store: disable %s: %w", name, ErrNotFound)
		}
		return notification.Rule{}, fmt.Errorf("store: disable %s: already disabled: %w", name, ErrConflict)
	}
	if err != nil {
		return notification.Rule{}, fmt.Errorf("store: disable %s: %w", name, err)
	}
	var it item
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return notification.Rule{}, fmt.Errorf("store: unmarshal %s: %w", name, err)
	}
	return it.Rule, nil
}
