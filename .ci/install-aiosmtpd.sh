#!/usr/bin/env bash
# The real SMTP server the e-mail tests start on loopback (tests/smtp/sink.py): Python's aiosmtpd,
# pinned in tests/smtp/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v python3 >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-pip >/dev/null
fi
if python3 -c 'import aiosmtpd' 2>/dev/null; then
  exit 0
fi
echo "== pip install aiosmtpd (tests/smtp/requirements.txt)"
python3 -m pip install --quiet --disable-pip-version-check -r tests/smtp/requirements.txt 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages -r tests/smtp/requirements.txt
