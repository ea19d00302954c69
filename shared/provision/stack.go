package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/heraldhq/herald/shared/topology"
)

// Clients are the AWS clients Stack uses.
type Clients struct {
	DynamoDB    *dynamodb.Client
	SQS         *sqs.Client
	EventBridge *eventbridge.Client
}

// Resources are the URLs and names of a provisioned stack.
type Resources struct {
	Names           topology.Names
	EmailQueueURL   string
	WebhookQueueURL string
	EmailDLQURL     string
	WebhookDLQURL   string
	EventQueueURL   string
}

// Stack creates, or finds, everything a local Herald needs: the table, the job queues with their
// dead-letter queues and redrive, the bus, and its rule targeting an SQS queue that the local
// stack feeds to the matcher (in AWS the rule targets the matcher function itself).
func Stack(ctx context.Context, c Clients, n topology.Names) (Resources, error) {
	r := Resources{Names: n}
	if err := Table(ctx, c.DynamoDB, n.Table); err != nil {
		return r, err
	}
	var err error
	if r.EmailQueueURL, r.EmailDLQURL, err = JobQueue(ctx, c.SQS, n.EmailQueue); err != nil {
		return r, err
	}
	if r.WebhookQueueURL, r.WebhookDLQURL, err = JobQueue(ctx, c.SQS, n.WebhookQueue); err != nil {
		return r, err
	}
	if r.EventQueueURL, err = queue(ctx, c.SQS, n.EventQueue, map[string]string{
		"VisibilityTimeout": "30",
	}); err != nil {
		return r, err
	}
	if err := Bus(ctx, c.EventBridge, c.SQS, n, r.EventQueueURL); err != nil {
		return r, err
	}
	return r, nil
}

// JobQueue creates a job queue and its dead-letter queue, redriving after
// topology.MaxReceiveCount receives, and returns both URLs.
func JobQueue(ctx context.Context, api *sqs.Client, name string) (url, dlqURL string, err error) {
	dlqURL, err = queue(ctx, api, topology.DLQ(name), map[string]string{
		"MessageRetentionPeriod": strconv.Itoa(topology.DLQRetentionSeconds),
	})
	if err != nil {
		return "", "", err
	}
	dlqARN, err := queueARN(ctx, api, dlqURL)
	if err != nil {
		return "", "", err
	}
	redrive, _ := json.Marshal(map[string]string{
		"deadLetterTargetArn": dlqARN,
		"maxReceiveCount":     strconv.Itoa(topology.MaxReceiveCount),
	})
	url, err = queue(ctx, api, name, map[string]string{
		"VisibilityTimeout": strconv.Itoa(topology.VisibilityTimeoutSeconds),
		"RedrivePolicy":     string(redrive),
	})
	return url, dlqURL, err
}

func queue(ctx context.Context, api *sqs.Client, name string, attrs map[string]string) (string, error) {
	out, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	var exists *sqstypes.QueueNameExists
	if errors.As(err, &exists) {
		// Same name, other attributes: bring the attributes up to date.
		got, gerr := api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if gerr != nil {
			return "", fmt.Errorf("provision: find queue %s: %w", name, gerr)
		}
		if _, err := api.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: got.QueueUrl, Attributes: attrs}); err != nil {
			return "", fmt.Errorf("provision: update queue %s: %w", name, err)
		}
		return aws.ToString(got.QueueUrl), nil
	}
	if err != nil {
		return "", fmt.Errorf("provision: create queue %s: %w", name, err)
	}
	return aws.ToString(out.QueueUrl), nil
}

func queueARN(ctx context.Context, api *sqs.Client, url string) (string, error) {
	out, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", fmt.Errorf("provision: queue ARN of %s: %w", url, err)
	}
	return out.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], nil
}

// Bus creates the event bus and its rule for Herald's detail-types, targeting targetQueueURL.
func Bus(ctx context.Context, eb *eventbridge.Client, q *sqs.Client, n topology.Names, targetQueueURL string) error {
	_, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(n.Bus)})
	var exists *ebtypes.ResourceAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("provision: create event bus %s: %w", n.Bus, err)
	}
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{
		Name:         aws.String(n.Rule),
		EventBusName: aws.String(n.Bus),
		EventPattern: aws.String(topology.EventPatternJSON()),
		State:        ebtypes.RuleStateEnabled,
		Description:  aws.String("Herald: login and audit events to the matcher"),
	}); err != nil {
		return fmt.Errorf("provision: put rule %s: %w", n.Rule, err)
	}
	arn, err := queueARN(ctx, q, targetQueueURL)
	if err != nil {
		return err
	}
	out, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{
		Rule:         aws.String(n.Rule),
		EventBusName: aws.String(n.Bus),
		Targets:      []ebtypes.Target{{Id: aws.String("matcher"), Arn: aws.String(arn)}},
	})
	if err != nil {
		return fmt.Errorf("provision: target rule %s at %s: %w", n.Rule, n.EventQueue, err)
	}
	if out.FailedEntryCount > 0 {
		return fmt.Errorf("provision: target rule %s: %s", n.Rule, aws.ToString(out.FailedEntries[0].ErrorMessage))
	}
	return nil
}
