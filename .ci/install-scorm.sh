#!/usr/bin/env bash
# What the SCORM export tests (tests/api/scorm.rs) need: xmllint (Debian's libxml2-utils) to validate
# imsmanifest.xml against the SCORM 1.2 schemas; Debian's Chromium and ChromeDriver; and the SCORM 1.2
# runtime scorm-again, pinned by tests/scorm/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need=()
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ "${#need[@]}" -gt 0 ]; then
  echo "== installing ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "== npm ci (tests/scorm)"
(cd tests/scorm && npm ci --no-audit --no-fund --loglevel=error)
