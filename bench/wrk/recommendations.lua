-- GET /recommendations/{id}?limit=LIMIT for ids from IDS_FILE (ORDER=random: a pre-warmed set,
-- cache hits; ORDER=walk: each id once until the list runs out, cache misses).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

init, request = common.get_by_id(function(id, limit)
  return "/recommendations/" .. id .. "?limit=" .. limit
end)
