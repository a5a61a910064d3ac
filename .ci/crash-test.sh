#!/usr/bin/env bash
# Crash safety: several clients submit quiz attempts while the server is killed with SIGKILL at
# random moments and restarted. Afterwards every attempt the server acknowledged (a 303 to its
# review) must be in the database, none twice, and SQLite's integrity check must pass.
# Bounded to about a minute. Usage: .ci/crash-test.sh [path to the deepdive binary]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/debug/deepdive}
SECONDS_OF_KILLING=${CRASH_SECONDS:-40}
PORT=$((20000 + RANDOM % 20000)); APP=127.0.0.1:$PORT
work=$(mktemp -d /tmp/deepdive-crash.XXXXXX)
export DEEPDIVE_DATA_DIR=$work/data DEEPDIVE_ADDR=$APP DEEPDIVE_AUTH_RATE_PER_MINUTE=1000000
server=""
cleanup() { [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true; }
trap cleanup EXIT

start() {
  "$BIN" serve >>"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 500); do curl -fs "http://$APP/healthz" >/dev/null 2>&1 && return 0; sleep 0.02; done
  echo "the server did not start"; tail -20 "$work/server.log"; exit 1
}

"$BIN" seed --org crash --learners 40 >/dev/null 2>&1
start
learners=$(seq -s, -f "learner%g@crash.example" 0 7)
python3 benches/quiz_bodies.py "http://$APP" "$learners" "${CRASH_ATTEMPTS_PER_CLIENT:-120}" "benchmark password" >"$work/bodies"
echo "prepared $(wc -l <"$work/bodies") quiz attempts for 8 clients"

# Each client posts its share in order; an attempt counts as acknowledged only on a 303 to its
# review. A connection error means the server died: the client waits and posts the same attempt
# again (the server must answer a repeat with the attempt already stored, never a second one).
cat >"$work/client.py" <<'PY'
import sys, time, http.client
app, part, parts, bodies, acks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
host, port = app.split(":")
lines = open(bodies).read().splitlines()[part::parts]
with open(acks, "a") as out:
    for line in lines:
        cookie, body = line.split("\t", 1)
        while True:
            try:
                c = http.client.HTTPConnection(host, int(port), timeout=10)
                c.request("POST", "/modules/ai-fundamentals/quiz", body, {
                    "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                    "Origin": "http://" + app, "Sec-Fetch-Site": "same-origin"})
                r = c.getresponse(); r.read()
                if r.status == 303:
                    out.write(r.getheader("Location").rsplit("/", 1)[1] + "\n"); out.flush()
                    break
                if r.status >= 500:
                    print("server error", r.status, file=sys.stderr); sys.exit(1)
                print("unexpected status", r.status, file=sys.stderr); sys.exit(1)
            except (ConnectionError, OSError, http.client.HTTPException):
                time.sleep(0.05)
PY
clients=()
for i in $(seq 0 7); do python3 "$work/client.py" "$APP" "$i" 8 "$work/bodies" "$work/acks.$i" & clients+=($!); done

kills=0; end=$((SECONDS + SECONDS_OF_KILLING))
while [ $SECONDS -lt $end ] && kill -0 "${clients[0]}" 2>/dev/null; do
  sleep "0.$((RANDOM % 9 + 1))"
  kill -9 "$server"; wait "$server" 2>/dev/null || true; kills=$((kills + 1))
  start
done
failed=0
for c in "${clients[@]}"; do wait "$c" || failed=1; done
kill -TERM "$server"; wait "$server" 2>/dev/null || true; server=""
[ "$failed" = 0 ] || { echo "a client saw an error response"; exit 1; }

python3 - "$work" <<'PY'
import glob, sqlite3, sys
work = sys.argv[1]
acked = [l.strip() for f in glob.glob(work + "/acks.*") for l in open(f) if l.strip()]
db = sqlite3.connect(work + "/data/deepdive.db")
stored = [r[0] for r in db.execute("select public_id from quiz_attempts")]
integrity = db.execute("pragma integrity_check").fetchone()[0]
missing = set(acked) - set(stored)
twice = len(stored) - len(set(stored))
print(f"acknowledged {len(acked)} attempts ({len(set(acked))} distinct); stored {len(stored)}; missing {len(missing)}; stored twice {twice}; integrity_check {integrity}")
sys.exit(0 if not missing and twice == 0 and integrity == "ok" and len(set(acked)) == len(acked) else 1)
PY
echo "crash test passed with $kills SIGKILLs"
