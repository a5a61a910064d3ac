-- S1 with many learners: each request carries the next of the session cookies in $COOKIES (one
-- "name=value" per line), so the lesson page is read by many learners at once rather than by one
-- learner on every connection. Prints the 95th percentile as p95.lua does.
local cookies = {}
local n = 0

function init(args)
  for line in io.lines(os.getenv("COOKIES")) do
    if line ~= "" then table.insert(cookies, line) end
  end
  n = math.random(#cookies)
end

function request()
  n = n % #cookies + 1
  return wrk.format("GET", nil, { Cookie = cookies[n] })
end

function done(summary, latency, requests)
  io.write(string.format("p95 %.2fms\n", latency:percentile(95) / 1000))
end
