-- GET /recommendations/{id}?limit=LIMIT for ids from IDS_FILE (ORDER=random: a pre-warmed set,
-- cache hits; ORDER=walk: each id once until the list runs out, cache misses).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local next_id, headers
local limit = os.getenv("LIMIT") or "10"
function init(args)
  next_id = common.picker(common.read_ids(os.getenv("IDS_FILE")))
  headers = common.headers()
end

request = function()
  return wrk.format("GET", "/recommendations/" .. next_id() .. "?limit=" .. limit, headers)
end
