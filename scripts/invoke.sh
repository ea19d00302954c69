#!/usr/bin/env bash
# make invoke FN=<function> EVENT=events/<file>.json: run one function on one event as Lambda
# does (its real bootstrap, under the AWS Lambda Runtime Interface Emulator) against the local
# stack, on the AWS emulator AWS_ENDPOINT_URL names or on a moto_server started for the run,
# and print the function's response. What `sam local invoke` does, without SAM or Docker.
set -euo pipefail
cd "$(dirname "$0")/.."

fn=${1:-} event=${2:-}
fns=()
for d in functions/*/main.go; do d=${d%/main.go}; fns+=("${d#functions/}"); done
functions="${fns[*]}"
if [ -z "$fn" ] || [ -z "$event" ]; then
  echo "usage: make invoke FN=<function> EVENT=events/<file>.json (functions: $functions)" >&2
  exit 2
fi
[ -f "functions/$fn/main.go" ] || { echo "make invoke: no function $fn (functions: $functions)" >&2; exit 2; }
[ -f "$event" ] || { echo "make invoke: no event file $event" >&2; exit 2; }

scripts/ensure-moto.sh
# herald-local starts moto_server unless AWS_ENDPOINT_URL names an emulator, provisions the
# stack (as make dev does), runs the function under the emulator (package shared/lambdarie)
# and prints the response, pretty-printed.
go run ./cmd/herald-local invoke "$fn" "$event"
