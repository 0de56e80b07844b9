#!/usr/bin/env bash
# Installs Debian's chromium when it is missing. Playwright's own browser download
# does not work on these machines, so the tests drive /usr/bin/chromium (or $CHROMIUM_PATH).
set -euo pipefail
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium_path" ]; then
  echo "chromium: $("$chromium_path" --version 2>/dev/null || echo "$chromium_path")"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then sudo_cmd=""; else sudo_cmd="sudo"; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing at $chromium_path and apt-get is not available: install Chromium and set CHROMIUM_PATH." >&2
  exit 1
fi
echo "Installing Debian's chromium with apt-get..."
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "chromium: $(/usr/bin/chromium --version)"
