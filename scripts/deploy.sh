#!/usr/bin/env bash
# make deploy: deploy the Herald stack with the npm aws-cdk CLI to the account and region of
# the current AWS credentials (AWS_PROFILE, AWS_REGION, ...). make build has run. The account
# and region need `npx aws-cdk@2.1148.1 bootstrap` once. Settings come from HERALD_* variables
# (infra/context.sh; see the README's "Deploying"); the identity provider and the SES identity
# have no default worth deploying, so they are required here.
set -euo pipefail
cd "$(dirname "$0")/../infra"
source ./context.sh
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

missing=()
for v in HERALD_JWT_ISSUER HERALD_JWT_AUDIENCE HERALD_SES_IDENTITY; do
  [ -n "${!v:-}" ] || missing+=("$v")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "make deploy: set ${missing[*]} (the JWT issuer and audience of your identity provider, the verified SES identity); see README.md, Deploying" >&2
  exit 1
fi

mapfile -t context < <(herald_context_args)
# The stack's outputs (API URL, bus name, queue URLs) land in infra/cdk.outputs.json too.
npx --yes aws-cdk@2.1148.1 deploy Herald "${context[@]}" --outputs-file cdk.outputs.json
