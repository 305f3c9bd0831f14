-- One wrk script for every bench scenario, configured through the environment:
--   BENCH_METHOD        GET (default) or POST
--   BENCH_TOKEN         bearer token (optional)
--   BENCH_CONTENT_TYPE  request body type (optional)
--   BENCH_BODY          request body (optional)
--   BENCH_PATHS         comma-separated paths to rotate through (default: the URL's path)
--   BENCH_DELAY_MS      pause of each connection after every response (paced load; optional)
--   BENCH_MIX           mixed traffic (the soak): one request per line, "weight|METHOD|path|
--                       content-type|body", taken in a fixed weighted rotation; "{n}" in a path
--                       or body becomes BENCH_MIX_RUN plus a counter (fresh emails). Overrides
--                       the single-request settings above except the token.
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

-- The mix, expanded by weight: an entry of weight 3 stands three times in the rotation.
local mix = {}
for line in string.gmatch(os.getenv("BENCH_MIX") or "", "[^\n]+") do
  local weight, m, path, ctype, b = string.match(line, "^(%d+)|(%u+)|([^|]+)|([^|]*)|(.*)$")
  for _ = 1, tonumber(weight) do
    -- wrk.format takes these in place of wrk.headers, so each entry carries the token too.
    local headers = {}
    if ctype ~= "" then headers["Content-Type"] = ctype end
    if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
    mix[#mix + 1] = { method = m, path = path, headers = headers, body = b }
  end
end
local run = os.getenv("BENCH_MIX_RUN") or tostring(os.time())

local counter = 0
request = function()
  counter = counter + 1
  if #mix > 0 then
    local r = mix[(counter % #mix) + 1]
    local n = run .. "-" .. counter
    local body = r.body ~= "" and string.gsub(r.body, "{n}", n) or nil
    return wrk.format(r.method, (string.gsub(r.path, "{n}", n)), r.headers, body)
  end
  if #paths == 0 then return wrk.request() end
  return wrk.format(nil, paths[(counter % #paths) + 1])
end

-- With a mix, responses are counted by status class (a mix may expect some 404s), per thread;
-- done() adds the threads' counts up.
local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
statuses = { 0, 0, 0, 0, 0 }
if #mix > 0 then
  response = function(status)
    local class = math.floor(status / 100)
    if class >= 1 and class <= 5 then statuses[class] = statuses[class] + 1 end
  end
end

local function status_json()
  local total = { 0, 0, 0, 0, 0 }
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for i = 1, 5 do total[i] = total[i] + counts[i] end
  end
  return string.format('{"2xx":%d,"3xx":%d,"4xx":%d,"5xx":%d}', total[2], total[3], total[4],
    total[5])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"duration_us":%d,"requests":%d,"bytes":%d,"statuses":%s,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.duration, summary.requests, summary.bytes, status_json(),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
