-- Prints the 95th percentile of latency after a run (wrk's --latency shows 50/75/90/99 only).
function done(summary, latency, requests)
  io.write(string.format("p95 %.2fms\n", latency:percentile(95) / 1000))
end
