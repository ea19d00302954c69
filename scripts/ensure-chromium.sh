#!/usr/bin/env bash
# Makes sure Debian's headless Chromium is installed, for the portal's browser tests.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
echo "==> chromium not found: installing Debian's chromium package"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null 2>&1 || { echo "chromium is still missing; install it with: apt-get install chromium" >&2; exit 1; }
