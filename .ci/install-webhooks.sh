#!/usr/bin/env bash
# The official Standard Webhooks library that the webhook tests' receiver (tests/webhooks/receiver.py)
# verifies every delivery with, pinned in tests/webhooks/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v python3 >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-pip >/dev/null
fi
if python3 -c 'import standardwebhooks' 2>/dev/null; then
  exit 0
fi
echo "== pip install standardwebhooks (tests/webhooks/requirements.txt)"
python3 -m pip install --quiet --disable-pip-version-check -r tests/webhooks/requirements.txt 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages -r tests/webhooks/requirements.txt
