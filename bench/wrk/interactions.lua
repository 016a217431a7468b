-- POST /interactions: one event (random user from IDS_FILE, random item from ITEMS_FILE, TYPE).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local users, items, headers
local kind = os.getenv("TYPE") or "view"
function init(args)
  users, items, headers = common.events_init()
end

request = function()
  return wrk.format("POST", "/interactions", headers, common.event(users, items, kind))
end
