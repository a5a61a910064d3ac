#!/usr/bin/env bash
# The outside verifiers for the Open Badges 3.0 credential (tests/credential): Node.js and the npm
# packages pinned by tests/credential/package-lock.json (jose, ajv, ajv-formats, jsonld and the
# Digital Credentials Consortium's JSON-LD contexts).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "== npm ci (tests/credential)"
(cd tests/credential && npm ci --no-audit --no-fund --loglevel=error)
