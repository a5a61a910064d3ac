-- S2: each request posts a different prepared quiz attempt (benches/quiz_bodies.py), so every
-- response is a scored attempt stored in one transaction, not a replay. Threads take turns over
-- the lines; a line is never posted twice.
local lines = {}
local next_line = 1
local step = 1

function setup(thread)
  thread:set("offset", #threads_seen + 1)
  table.insert(threads_seen, thread)
end
threads_seen = {}

function init(args)
  local path = os.getenv("QUIZ_BODIES")
  for line in io.lines(path) do
    local cookie, body = line:match("^([^\t]*)\t(.*)$")
    table.insert(lines, { cookie = cookie, body = body })
  end
  next_line = offset
  step = tonumber(os.getenv("WRK_THREADS") or "2")
end

function request()
  local l = lines[next_line]
  if l == nil then
    -- Out of prepared attempts: ask for a page that does not exist, which wrk counts as an error.
    return wrk.format("GET", "/out-of-prepared-attempts")
  end
  next_line = next_line + step
  return wrk.format("POST", "/modules/ai-fundamentals/quiz", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = l.cookie,
    ["Origin"] = os.getenv("APP_ORIGIN"),
    ["Sec-Fetch-Site"] = "same-origin",
  }, l.body)
end

function done(summary, latency, requests)
  io.write(string.format("p95 %.2fms\n", latency:percentile(95) / 1000))
end
