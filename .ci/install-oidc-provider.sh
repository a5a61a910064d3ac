#!/usr/bin/env bash
# The real OpenID provider the single sign-on tests start on loopback (tests/oidc/provider.mjs):
# npm `oidc-provider`, pinned by tests/oidc/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "== npm ci (tests/oidc)"
(cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error)
