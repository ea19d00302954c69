package provision

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// EmailIdentityAPI is the part of SES v2 that EmailIdentity needs.
type EmailIdentityAPI interface {
	CreateEmailIdentity(context.Context, *sesv2.CreateEmailIdentityInput, ...func(*sesv2.Options)) (*sesv2.CreateEmailIdentityOutput, error)
}

// EmailIdentity creates the SES email identity address (a bare address such as
// notifications@herald.example, or a domain), which starts its verification, or leaves an
// existing one as it is. In the emulator an identity is verified as soon as it exists; in AWS
// the address's owner still has to follow the link SES mails to it.
func EmailIdentity(ctx context.Context, api EmailIdentityAPI, address string) error {
	_, err := api.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(address)})
	var exists *sestypes.AlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("provision: create email identity %s: %w", address, err)
	}
	return nil
}
