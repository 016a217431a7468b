-- Shared by every bench/wrk scenario script (loaded with dofile from the script's own folder).
--
-- Environment: TOKEN (DRF token; omitted when unset), IDS_FILE (one id per line), ORDER=random|walk.
-- "walk" hands each thread every n-th id of the (pre-shuffled) file in turn, so no id repeats until
-- the whole list was used; done() reports how many requests went past that point ("repeats").
-- done() prints one line, "BENCH_JSON {...}", that bench/http_bench.py parses.

local common = {}
local threads = {}
local counter = 0

function common.headers(extra)
  local headers = {}
  local token = os.getenv("TOKEN")
  if token and token ~= "" then
    headers["Authorization"] = "Token " .. token
  end
  for k, v in pairs(extra or {}) do
    headers[k] = v
  end
  return headers
end

function common.read_ids(path)
  if not path or path == "" then
    error("IDS_FILE is not set")
  end
  local ids = {}
  local file = assert(io.open(path, "r"))
  for line in file:lines() do
    if line ~= "" then
      ids[#ids + 1] = line
    end
  end
  file:close()
  if #ids == 0 then
    error("no ids in " .. path)
  end
  return ids
end

-- Per-thread state: thread_index (1-based) and thread_count are set by setup() before init().
function common.picker(ids)
  local order = os.getenv("ORDER") or "random"
  local n = #ids
  local position = (thread_index or 1) - 1
  local step = thread_count or 1
  used = 0
  repeats = 0
  math.randomseed(os.time() * 1000 + (thread_index or 1) * 7919)
  if order == "walk" then
    return function()
      used = used + 1
      if position >= n then
        repeats = repeats + 1
        position = position % n
      end
      local id = ids[position + 1]
      position = position + step
      return id
    end
  end
  return function()
    used = used + 1
    return ids[math.random(n)]
  end
end

-- A GET scenario over ids of IDS_FILE (picked as ORDER says): returns wrk's init and request functions
-- for the path path_for(id, LIMIT) builds.
function common.get_by_id(path_for)
  local next_id, headers
  local limit = os.getenv("LIMIT") or "10"
  local function init_fn(args)
    next_id = common.picker(common.read_ids(os.getenv("IDS_FILE")))
    headers = common.headers()
  end
  local function request_fn()
    return wrk.format("GET", path_for(next_id(), limit), headers)
  end
  return init_fn, request_fn
end

-- The POST scenarios' state: users (IDS_FILE), items (ITEMS_FILE), JSON headers, math.random seeded.
function common.events_init()
  local users = common.read_ids(os.getenv("IDS_FILE"))
  local items = common.read_ids(os.getenv("ITEMS_FILE"))
  common.picker(users)  -- seeds math.random per thread
  return users, items, common.headers({["Content-Type"] = "application/json"})
end

-- One event of a random user and item, as JSON.
function common.event(users, items, kind)
  return '{"user_id": ' .. users[math.random(#users)] .. ', "item_id": ' .. items[math.random(#items)]
    .. ', "interaction_type": "' .. kind .. '"}'
end

function setup(thread)
  counter = counter + 1
  thread:set("thread_index", counter)
  thread:set("thread_count", tonumber(os.getenv("WRK_THREADS") or "1"))
  threads[#threads + 1] = thread
end

local function ms(microseconds)
  return string.format("%.3f", microseconds / 1000.0)
end

function done(summary, latency, requests)
  local repeated = 0
  for _, thread in ipairs(threads) do
    repeated = repeated + (tonumber(thread:get("repeats")) or 0)
  end
  local e = summary.errors
  print(string.format(
    'BENCH_JSON {"requests": %d, "duration_s": %.6f, "bytes": %d, "repeats": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_ms": {"p50": %s, "p75": %s, "p90": %s, "p95": %s, "p99": %s, "mean": %s, "max": %s}}',
    summary.requests, summary.duration / 1e6, summary.bytes, repeated,
    e.connect, e.read, e.write, e.status, e.timeout,
    ms(latency:percentile(50)), ms(latency:percentile(75)), ms(latency:percentile(90)),
    ms(latency:percentile(95)), ms(latency:percentile(99)), ms(latency.mean), ms(latency.max)
  ))
end

return common
