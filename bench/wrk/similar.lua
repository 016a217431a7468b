-- GET /items/{id}/similar?limit=LIMIT for random item ids from IDS_FILE.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

init, request = common.get_by_id(function(id, limit)
  return "/items/" .. id .. "/similar?limit=" .. limit
end)
