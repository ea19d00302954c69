#!/usr/bin/env bash
# Makes sure moto_server (the AWS emulator from Python's moto package) is on PATH.
set -euo pipefail
command -v moto_server >/dev/null 2>&1 && exit 0
echo "==> moto_server not found: installing moto[server] with pip"
if command -v pip3 >/dev/null 2>&1 || command -v pip >/dev/null 2>&1; then
  "$(command -v pip3 || command -v pip)" install --quiet 'moto[server]' || true
  hash -r
  command -v pyenv >/dev/null 2>&1 && pyenv rehash 2>/dev/null || true
fi
command -v moto_server >/dev/null 2>&1 || {
  echo "moto_server is still missing. Install it with: pip install 'moto[server]'" >&2
  echo "(or point AWS_ENDPOINT_URL at a running AWS emulator such as moto or LocalStack)" >&2
  exit 1
}
