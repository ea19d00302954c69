#!/usr/bin/env bash
# make synth: synthesize the CDK stack into infra/cdk.out, offline (no AWS account, no cdk
# CLI), from the functions make build left in build/. Deployment settings come from the
# HERALD_* variables that make deploy reads (infra/context.sh); without them the stack uses
# placeholders and says so.
set -euo pipefail
cd "$(dirname "$0")/../infra"
source ./context.sh
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
CDK_CONTEXT_JSON=$(herald_context_json)
export CDK_CONTEXT_JSON

start=$(date +%s%N)
rm -rf cdk.out
go run .
ms=$(( ($(date +%s%N) - start) / 1000000 ))
template=$PWD/cdk.out/Herald.template.json
resources=$(grep -c '"Type": "AWS::' "$template" || true)
printf '==> synthesized %s (%s resources) in %d.%01ds\n' "$template" "$resources" $((ms / 1000)) $((ms % 1000 / 100))
