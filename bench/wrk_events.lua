-- wrk script: POST /v1/events with batches of unique canonical events.
-- usage: wrk -s bench/wrk_events.lua URL -- BATCH KEY TS_MS
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  batch = tonumber(args[1])
  key = args[2]
  ts = args[3]
  run = args[4] or "r"
end

function request()
  counter = counter + 1
  local parts = {}
  for i = 1, batch do
    parts[i] = string.format(
      '{"id":"%s-%d-%d-%d","type":"call.queued","ts":%s,"call_id":"c%d-%d","queue":"Q%d"}',
      run, tid, counter, i, ts, counter, i, i % 8)
  end
  return wrk.format("POST", "/v1/events", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key,
  }, "[" .. table.concat(parts, ",") .. "]")
end
