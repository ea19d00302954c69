#!/usr/bin/env bash
# make test: vet, then every test of the Go module and of the CDK app, against a local AWS
# emulator. Uses the emulator AWS_ENDPOINT_URL names, or starts moto_server on a free loopback
# port and stops it whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

export AWS_REGION=${AWS_REGION:-us-east-1} AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-testing} \
  AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-testing}
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

if [ -z "${AWS_ENDPOINT_URL:-}" ]; then
  scripts/ensure-moto.sh
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p build
  moto_server -H 127.0.0.1 -p "$port" >build/moto-test.log 2>&1 &
  moto_pid=$!
  trap 'kill $moto_pid 2>/dev/null; wait $moto_pid 2>/dev/null || true' EXIT
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$AWS_ENDPOINT_URL/moto-api/" && break
    kill -0 $moto_pid 2>/dev/null || { echo "moto_server failed to start:"; cat build/moto-test.log; exit 1; }
    sleep 0.1
  done
  echo "==> AWS emulator: moto_server at $AWS_ENDPOINT_URL"
else
  echo "==> AWS emulator: $AWS_ENDPOINT_URL (from AWS_ENDPOINT_URL)"
fi

# The portal's browser tests drive Debian's headless Chromium.
scripts/ensure-chromium.sh

echo "==> go vet, gofmt"
go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './infra/cdk.out/*'))
[ -z "$unformatted" ] || { echo "gofmt would change: $unformatted"; exit 1; }

echo "==> go test ./..."
go test ./...

if [ -d infra ]; then
  echo "==> infra: go vet, go test (CDK synthesis)"
  (cd infra && go vet ./... && go test -count=1 ./...)
fi
echo "==> make test passed in $(( $(date +%s) - start ))s"
