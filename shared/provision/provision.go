// Package provision creates Herald's resources through the AWS APIs, idempotently, from the
// definitions in package topology. The local stack and the tests use it against the emulator;
// in AWS the CDK stack creates the same resources.
package provision

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/heraldhq/herald/shared/topology"
)

// TableAPI is the part of DynamoDB that Table needs.
type TableAPI interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	UpdateTimeToLive(context.Context, *dynamodb.UpdateTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

// TableInput is the table's definition: on-demand, PK/SK strings.
func TableInput(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String(topology.PartitionKey), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String(topology.SortKey), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String(topology.PartitionKey), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String(topology.SortKey), KeyType: ddbtypes.KeyTypeRange},
		},
	}
}

// Table creates the table with its TTL attribute, or leaves an existing one as it is.
func Table(ctx context.Context, db TableAPI, name string) error {
	_, err := db.CreateTable(ctx, TableInput(name))
	var inUse *ddbtypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("provision: create table %s: %w", name, err)
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{
			AttributeName: aws.String(topology.TTLAttribute), Enabled: aws.Bool(true),
		},
	})
	if err != nil && !isTTLAlreadyOn(err) {
		return fmt.Errorf("provision: enable TTL on %s: %w", name, err)
	}
	return nil
}

func isTTLAlreadyOn(err error) bool {
	var ve interface{ ErrorCode() string }
	// DynamoDB answers ValidationException "TimeToLive is already enabled" on a repeat.
	return errors.As(err, &ve) && ve.ErrorCode() == "ValidationException"
}
