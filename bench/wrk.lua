-- One wrk script for every scenario, driven by environment variables:
--   BENCH_METHOD  GET (default) or POST
--   BENCH_PATHS   space-separated paths; each request picks one at random (default: the URL's)
--   BENCH_BODY    request body (JSON) for POST
--   BENCH_TOKEN   access token sent as `Authorization: Bearer …` (none when empty)
-- At the end it prints one machine-readable line: `RESULT {json}`.

local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local token = os.getenv("BENCH_TOKEN") or ""
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "", "%S+") do
  paths[#paths + 1] = p
end

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  threads[#threads + 1] = thread
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
  wrk.headers["Accept"] = "application/json"
  if token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  if body and body ~= "" then
    wrk.headers["Content-Type"] = "application/json"
  end
end

function request()
  local path = wrk.path
  if #paths > 0 then
    path = paths[math.random(#paths)]
  end
  return wrk.format(method, path, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"non2xx":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
