#!/usr/bin/env bash
# schemathesis (PyPI), pinned in tests/schemathesis/requirements.txt: the API contract test
# (tests/api/api_contract.rs) runs it against the OpenAPI document and the running server.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v python3 >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-pip >/dev/null
fi
want=$(sed -n 's/^schemathesis==//p' tests/schemathesis/requirements.txt)
have=$(schemathesis --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 || true)
if [ "$have" = "$want" ]; then
  exit 0
fi
echo "== pip install schemathesis $want (tests/schemathesis/requirements.txt)"
python3 -m pip install --quiet --disable-pip-version-check -r tests/schemathesis/requirements.txt 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages -r tests/schemathesis/requirements.txt
