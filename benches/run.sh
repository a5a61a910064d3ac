#!/usr/bin/env bash
# Load benchmark: deepdive's pages side by side with nginx serving the same bytes, on loopback.
# Builds the release binary, seeds N learners, starts the server and nginx, runs wrk against each scenario
# for ROUNDS rounds, and prints a table (req/s, p50, p99, ratio to nginx) plus start-up time and RSS.
# Scenarios: S1 lesson page, S2 quiz submission (a fresh signed attempt per request, prepared by
# benches/quiz_bodies.py), S3 cohort report for N learners (REPORT_CONN admins at once), S4 the lesson
# page while 20 logins a second run beside it, S5 certificate PDF, and the plan PDF.
# Timing never enters the test suite. Usage: benches/run.sh   (env: N, DUR, CONN, ROUNDS, REPORT_CONN,
# ONLY=regex of scenario names to run, e.g. ONLY='S1|S4'; SERVE_ENV=extra environment for the servers,
# NO_BUILD=1)
# With DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) the run is on PostgreSQL: a fresh
# database bench_<random> is created beside the one named (and dropped afterwards), seeded once, and
# two `deepdive serve` instances run against it behind an nginx upstream (round robin, keepalive);
# every scenario goes through that nginx. The static page nginx serves stays the baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}; DUR=${DUR:-10s}; CONN=${CONN:-64}; ROUNDS=${ROUNDS:-3}; REPORT_CONN=${REPORT_CONN:-2}
APP=127.0.0.1:8181; NGINX=127.0.0.1:8182
SERVE_ENV=${SERVE_ENV:-}   # extra environment for the servers only, e.g. SERVE_ENV='LD_PRELOAD=…' to try an allocator
PG_URL=${DATABASE_URL:-}
if [ -n "$PG_URL" ]; then
  APP1=127.0.0.1:8183; APP2=127.0.0.1:8184   # the two instances; $APP is nginx in front of them
  backend="PostgreSQL, two instances behind nginx (round robin, keepalive)"
else
  APP1=$APP
  backend="SQLite, one instance"
fi

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
if [ -n "$PG_URL" ]; then command -v psql >/dev/null || need+=(postgresql-client); fi
if [ "${#need[@]}" -gt 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; fi

[ "${NO_BUILD:-}" = 1 ] || cargo build --release -q   # NO_BUILD=1: the last release build as it is
BIN=$PWD/target/release/deepdive
work=$(mktemp -d /tmp/deepdive-bench.XXXXXX)
chmod 755 "$work"   # nginx's workers (not root) must read the page
export DEEPDIVE_DATA_DIR=$work/data DEEPDIVE_ADDR=$APP1 DEEPDIVE_BASE_URL=http://$APP
export DEEPDIVE_AUTH_RATE_PER_MINUTE=1000000 DEEPDIVE_VERIFY_RATE_PER_MINUTE=1000000
pids=(); bench_db=
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true
  if [ -n "$bench_db" ]; then
    for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" || true
  fi
}
trap cleanup EXIT
if [ -n "$PG_URL" ]; then
  bench_db=bench_$(date +%s)_$RANDOM
  psql "$PG_URL" -qc "CREATE DATABASE $bench_db"
  export DATABASE_URL=${PG_URL%/*}/$bench_db
fi
sql() { # query → one value, from whichever database the run uses
  if [ -n "$PG_URL" ]; then psql "$DATABASE_URL" -Atc "$1"; else sqlite3 "$DEEPDIVE_DATA_DIR/deepdive.db" "$1"; fi
}

"$BIN" seed --org bench --learners "$N"
# PostgreSQL plans from its statistics, which autovacuum gathers a minute or so after a bulk load; a
# freshly seeded database has none, and the completions export then took 9-18 s instead of 0.3 s.
# Analyse once, as a database that has been running would be.
if [ -n "$PG_URL" ]; then psql "$DATABASE_URL" -qc ANALYZE; fi
t0=$(date +%s%N)
env $SERVE_ENV "$BIN" serve >"$work/server.log" 2>&1 & pids+=($!); spid=$!
until curl -fs "http://$APP1/healthz" >/dev/null; do sleep 0.01; done
startup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
idle_rss=$(awk '/VmRSS/ {print $2}' /proc/$spid/status)
spids=("$spid")
if [ -n "$PG_URL" ]; then
  env $SERVE_ENV DEEPDIVE_ADDR=$APP2 "$BIN" serve >"$work/server2.log" 2>&1 & pids+=($!); spids+=($!)
  until curl -fs "http://$APP2/healthz" >/dev/null; do sleep 0.01; done
  idle_rss="$idle_rss kB and $(awk '/VmRSS/ {print $2}' /proc/${spids[1]}/status)"
  proxy="upstream deepdive { server $APP1; server $APP2; keepalive 64; }
  server { listen $APP; location / { proxy_pass http://deepdive; proxy_http_version 1.1;
    proxy_set_header Connection \"\"; proxy_set_header Host \$http_host; } }"
else
  proxy=
fi

login() { # email → "name=value" of the session cookie
  local jar=$work/jar.$RANDOM page tok
  page=$(curl -fs -c "$jar" "http://$APP/login")
  tok=$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' <<<"$page" | head -n 1)
  curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$tok" --data-urlencode "email=$1" \
    --data-urlencode "password=benchmark password" "http://$APP/login"
  awk '$6 ~ /dd_session/ {print $6"="$7}' "$jar"
}

cat >"$work/nginx.conf" <<NGINX
worker_processes 2; pid $work/nginx.pid; error_log $work/nginx.err; daemon on;
events { worker_connections 1024; }
http { access_log off; sendfile on; server { listen $NGINX; root $work/www; }
  $proxy }
NGINX
mkdir -p "$work/www"
nginx -c "$work/nginx.conf"
sleep 0.2
learner=$(login learner0@bench.example)
admin=$(login admin@bench.example)
lesson=/modules/ai-fundamentals/lessons/what-is-ai
code=$(curl -fs -H "Cookie: $learner" "http://$APP/certificate" | sed -n 's/.*href="\/certificates\/\([A-Z0-9]*\)\.pdf".*/\1/p' | head -n 1)
curl -fs -H "Cookie: $learner" "http://$APP$lesson" >"$work/www/lesson.html"
chmod -R a+rX "$work/www"
curl -fs -o /dev/null "http://$NGINX/lesson.html" || { echo "nginx does not serve the page"; cat "$work/nginx.err"; exit 1; }

run() { # url cookie [connections] [lua script] → "rps p50 p95 p99 errors"
  local out conn=${3:-$CONN}
  out=$(wrk -t2 -c"$conn" -d"$DUR" --latency ${2:+-H "Cookie: $2"} -s "${4:-benches/p95.lua}" "$1")
  local rps p50 p95 p99 errs
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p95=$(awk '$1=="p95" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx/ {print $5}' <<<"$out"); errs=${errs:-0}
  echo "$rps $p50 $p95 $p99 $errs"
}

# S2: prepared attempts, a fresh set per round (a replayed attempt would be a cheap lookup). 100
# learners share them, as many per learner as one round can use.
export APP_ORIGIN=http://$APP WRK_THREADS=2
learners=$(seq -s, -f "learner%g@bench.example" 100 199)
want() { [ -z "${ONLY:-}" ] || [ "$1" = nginx ] || [[ "$1" =~ $ONLY ]]; }
for r in $(seq 1 "$ROUNDS"); do
  want "S2 quiz submission" || continue
  python3 benches/quiz_bodies.py "http://$APP" "$learners" "${QUIZ_PER_LEARNER:-200}" "benchmark password" >"$work/quiz.$r"
done

# S1m: 64 learners' sessions (learner300-363), each having opened the lesson once.
if want "S1m lesson page, 64 learners"; then
  for i in $(seq 300 363); do
    c=$(login "learner$i@bench.example"); echo "$c" >>"$work/cookies"
    curl -fs -o /dev/null -H "Cookie: $c" "http://$APP$lesson"
  done
fi

# S4: 20 logins a second (each an argon2 hash) for as long as the lesson page is loaded beside them.
login_load() { # seconds
  local jar=$work/jar.logins page tok
  page=$(curl -fs -c "$jar" "http://$APP/login")
  tok=$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' <<<"$page" | head -n 1)
  for _ in $(seq 1 "$1"); do
    for i in $(seq 0 19); do
      curl -s -b "$jar" -o /dev/null -w '%{http_code}\n' --data-urlencode "csrf_token=$tok" \
        --data-urlencode "email=learner$((200 + i))@bench.example" --data-urlencode "password=benchmark password" \
        "http://$APP/login" >>"$work/logins" &
      sleep 0.05
    done
  done
  wait
}

declare -A best
scenarios=("nginx" "S1 lesson page" "S1m lesson page, 64 learners" "S2 quiz submission" "S3 cohort report ($N)" "S4 lesson page, 20 logins/s beside" "S5 certificate PDF" "plan PDF")
for r in $(seq 1 "$ROUNDS"); do
  for name in "${scenarios[@]}"; do
    want "$name" || continue
    case $name in
      nginx) res=$(run "http://$NGINX/lesson.html" "") ;;
      "S1 lesson page") res=$(run "http://$APP$lesson" "$learner") ;;
      S1m*) res=$(COOKIES=$work/cookies run "http://$APP$lesson" "" "$CONN" benches/many_learners.lua) ;;
      "S2 quiz submission") res=$(QUIZ_BODIES=$work/quiz.$r run "http://$APP" "" "$CONN" benches/quiz_submit.lua) ;;
      S3*) res=$(run "http://$APP/org/bench" "$admin" "$REPORT_CONN") ;;
      S4*)
        secs=${DUR%s}; login_load "$secs" & lp=$!
        res=$(run "http://$APP$lesson" "$learner"); wait "$lp" ;;
      "S5 certificate PDF") res=$(run "http://$APP/certificates/$code.pdf" "$learner") ;;
      "plan PDF") res=$(run "http://$APP/plan.pdf" "$learner") ;;
    esac
    echo "round $r: $name: $res" >&2
    prev=${best[$name]:-}
    if [ -z "$prev" ] || awk -v a="${res%% *}" -v b="${prev%% *}" 'BEGIN{exit !(a>b)}'; then best[$name]=$res; fi
  done
done
nginx_rps=${best[nginx]%% *}
rss() { for p in "${spids[@]}"; do awk '/^(RssAnon|RssFile)/ {printf "%s %s kB, ", $1, $2}' /proc/$p/status; done; }
busy_rss=$(rss)
t1=$(date +%s%N); curl -fs -H "Cookie: $admin" -o "$work/progress.csv" "http://$APP/org/bench/progress.csv"; csv_ms=$(( ($(date +%s%N) - t1) / 1000000 ))
csv_rss=$(rss)

# The exports, one request each with curl (after turning on the seeded cohort's team plan): the first
# renders, the second may come from the cache. The SCORM package is timed through the CLI, which
# builds the same package as GET /admin/scorm.zip (a platform admin's download).
ms() { curl -fs -o /dev/null -w '%{time_total}' -H "Cookie: $1" "http://$APP$2" | awk '{printf "%.0f", $1*1000}' || echo "failed"; }
plans=$(curl -fs -H "Cookie: $admin" "http://$APP/org/bench/plans" || true)
ptok=$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' <<<"$plans" | head -n 1)
cohort=$(sed -n 's/.*\/org\/bench\/cohorts\/\([0-9]*\)\/team-plan.*/\1/p' <<<"$plans" | head -n 1)
curl -fs -o /dev/null -H "Cookie: $admin" -H "Origin: http://$APP" --data-urlencode "csrf_token=$ptok" \
  --data enabled=yes "http://$APP/org/bench/cohorts/$cohort/team-plan" || echo "could not turn on the team plan" >&2
exports=""
for spec in "learner /plan.pdf" "learner /plan.docx" "learner /plan/team.pdf" "learner /plan/team.docx" \
  "learner /account/export.json" "learner /certificates/$code.pdf" "admin /org/bench/completions.csv" \
  "admin /org/bench/progress.csv"; do
  who=${spec%% *}; url=${spec#* }
  first=$(ms "${!who}" "$url"); second=$(ms "${!who}" "$url")
  exports+="$url ${first}/${second} ms; "
done
t1=$(date +%s%N); "$BIN" export-scorm --out "$work/course.zip" >/dev/null; scorm_ms=$(( ($(date +%s%N) - t1) / 1000000 ))

{
  echo "Backend: $backend."
  echo
  echo "| scenario | req/s | p50 | p95 | p99 | errors | ratio to nginx |"
  echo "|---|---|---|---|---|---|---|"
  for name in "${scenarios[@]}"; do
    want "$name" || continue
    read -r rps p50 p95 p99 errs <<<"${best[$name]}"
    ratio=$(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN{printf "%.3f", a/b}')
    echo "| $name | $rps | $p50 | $p95 | $p99 | $errs | ${ratio}× |"
  done
  echo
  echo "- start to healthy: ${startup_ms} ms (course loaded, $N learners in the database)"
  echo "- RSS: idle ${idle_rss} kB; after the runs ${busy_rss}after a full CSV export ($(wc -l <"$work/progress.csv") lines, ${csv_ms} ms) ${csv_rss}(RssFile is the database file mapped into memory: page cache, not heap)"
  echo "- exports, first/second request: ${exports}SCORM package (CLI, with process start) ${scorm_ms} ms"
  echo "- logins during S4: $(grep -c '^303$' "$work/logins" || true) succeeded, $(grep -vc '^303$' "$work/logins" || true) did not"
  echo "- S2 attempts stored: $(sql 'select count(*) from quiz_attempts' 2>/dev/null || echo '?') of $((100 * ${QUIZ_PER_LEARNER:-200} * ROUNDS)) prepared; S2 errors are requests made after the prepared attempts ran out (its req/s then counts cheap 404s: raise QUIZ_PER_LEARNER)"
  echo "- wrk -t2 -c$CONN -d$DUR (S3: -c$REPORT_CONN), best of $ROUNDS rounds by req/s; $(nproc) cores; $(date -u +%F)"
} | tee "$work/results.md"
echo "results: $work/results.md"
