#!/usr/bin/env bash
# Load benchmark: deepdive's pages side by side with nginx serving the same bytes, on loopback.
# Builds the release binary, seeds N learners, starts the server and nginx, runs wrk against each scenario
# for ROUNDS rounds, and prints a table (req/s, p50, p99, ratio to nginx) plus start-up time and RSS.
# Timing never enters the test suite. Usage: benches/run.sh   (env: N, DUR, CONN, ROUNDS)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}; DUR=${DUR:-10s}; CONN=${CONN:-64}; ROUNDS=${ROUNDS:-3}
APP=127.0.0.1:8181; NGINX=127.0.0.1:8182

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
if [ "${#need[@]}" -gt 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; fi

cargo build --release -q
BIN=$PWD/target/release/deepdive
work=$(mktemp -d /tmp/deepdive-bench.XXXXXX)
export DEEPDIVE_DATA_DIR=$work/data DEEPDIVE_ADDR=$APP DEEPDIVE_AUTH_RATE_PER_MINUTE=1000000 DEEPDIVE_VERIFY_RATE_PER_MINUTE=1000000
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; }
trap cleanup EXIT

"$BIN" seed --org bench --learners "$N"
t0=$(date +%s%N)
"$BIN" serve >"$work/server.log" 2>&1 & pids+=($!); spid=$!
until curl -fs "http://$APP/healthz" >/dev/null; do sleep 0.01; done
startup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
idle_rss=$(awk '/VmRSS/ {print $2}' /proc/$spid/status)

login() { # email → "name=value" of the session cookie
  local jar=$work/jar.$RANDOM page tok
  page=$(curl -fs -c "$jar" "http://$APP/login")
  tok=$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' <<<"$page" | head -n 1)
  curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$tok" --data-urlencode "email=$1" \
    --data-urlencode "password=benchmark password" "http://$APP/login"
  awk '$6 ~ /dd_session/ {print $6"="$7}' "$jar"
}
learner=$(login learner0@bench.example)
admin=$(login admin@bench.example)
lesson=/modules/ai-fundamentals/lessons/what-is-ai
code=$(curl -fs -H "Cookie: $learner" "http://$APP/certificate" | sed -n 's/.*href="\/certificates\/\([A-Z0-9]*\)\.pdf".*/\1/p' | head -n 1)

mkdir -p "$work/www"
curl -fs -H "Cookie: $learner" "http://$APP$lesson" >"$work/www/lesson.html"
cat >"$work/nginx.conf" <<NGINX
worker_processes 2; pid $work/nginx.pid; error_log $work/nginx.err; daemon on;
events { worker_connections 1024; }
http { access_log off; sendfile on; server { listen $NGINX; root $work/www; } }
NGINX
nginx -c "$work/nginx.conf"

run() { # name url cookie → "rps p50 p99 errors"
  local out
  out=$(wrk -t2 -c"$CONN" -d"$DUR" --latency ${3:+-H "Cookie: $3"} "$2")
  local rps p50 p99 errs
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx/ {print $5}' <<<"$out"); errs=${errs:-0}
  echo "$rps $p50 $p99 $errs"
}

declare -A best
scenarios=("nginx|http://$NGINX/lesson.html|" "S1 lesson page|http://$APP$lesson|$learner" "S3 cohort report ($N)|http://$APP/org/bench|$admin" "S5 certificate PDF|http://$APP/certificates/$code.pdf|$learner" "plan PDF|http://$APP/plan.pdf|$learner")
for r in $(seq 1 "$ROUNDS"); do
  for s in "${scenarios[@]}"; do
    IFS='|' read -r name url cookie <<<"$s"
    res=$(run "$name" "$url" "$cookie")
    echo "round $r: $name: $res" >&2
    prev=${best[$name]:-}
    if [ -z "$prev" ] || awk -v a="${res%% *}" -v b="${prev%% *}" 'BEGIN{exit !(a>b)}'; then best[$name]=$res; fi
  done
done
nginx_rps=${best[nginx]%% *}
busy_rss=$(awk '/VmRSS/ {print $2}' /proc/$spid/status)
t1=$(date +%s%N); curl -fs -H "Cookie: $admin" -o "$work/progress.csv" "http://$APP/org/bench/progress.csv"; csv_ms=$(( ($(date +%s%N) - t1) / 1000000 ))
csv_rss=$(awk '/VmRSS/ {print $2}' /proc/$spid/status)

{
  echo "| scenario | req/s | p50 | p99 | non-2xx | ratio to nginx |"
  echo "|---|---|---|---|---|---|"
  for s in "${scenarios[@]}"; do
    IFS='|' read -r name _ _ <<<"$s"
    read -r rps p50 p99 errs <<<"${best[$name]}"
    ratio=$(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN{printf "%.2f", a/b}')
    echo "| $name | $rps | $p50 | $p99 | $errs | ${ratio}× |"
  done
  echo
  echo "- start to healthy: ${startup_ms} ms (course loaded, $N learners in the database)"
  echo "- RSS: idle ${idle_rss} kB, after the runs ${busy_rss} kB, after a full CSV export ($(wc -l <"$work/progress.csv") lines, ${csv_ms} ms) ${csv_rss} kB"
  echo "- wrk -t2 -c$CONN -d$DUR, best of $ROUNDS rounds; $(nproc) cores; $(date -u +%F)"
} | tee "$work/results.md"
echo "results: $work/results.md"
