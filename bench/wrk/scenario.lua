-- One wrk script for every bench scenario, configured through the environment:
--   BENCH_METHOD        GET (default) or POST
--   BENCH_TOKEN         bearer token (optional)
--   BENCH_CONTENT_TYPE  request body type (optional)
--   BENCH_BODY          request body (optional)
--   BENCH_PATHS         comma-separated paths to rotate through (default: the URL's path)
--   BENCH_DELAY_MS      pause of each connection after every response (paced load; optional)
-- done() prints one line `BENCH_RESULT {json}` that bench/lib/wrk.ts parses; latencies are
-- in microseconds, as wrk measures them.
local method = os.getenv("BENCH_METHOD") or "GET"
local token = os.getenv("BENCH_TOKEN")
local content_type = os.getenv("BENCH_CONTENT_TYPE")
local body = os.getenv("BENCH_BODY")
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "", "[^,]+") do
  paths[#paths + 1] = path
end

wrk.method = method
if body and body ~= "" then wrk.body = body end
if content_type and content_type ~= "" then wrk.headers["Content-Type"] = content_type end
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end

local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if delay_ms and delay_ms > 0 then
  delay = function() return delay_ms end
end

local counter = 0
request = function()
  if #paths == 0 then return wrk.request() end
  counter = counter + 1
  return wrk.format(nil, paths[(counter % #paths) + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
