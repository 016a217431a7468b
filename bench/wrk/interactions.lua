-- POST /interactions: one event (random user from IDS_FILE, random item from ITEMS_FILE, TYPE).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local users, items, headers
local kind = os.getenv("TYPE") or "view"
function init(args)
  users = common.read_ids(os.getenv("IDS_FILE"))
  items = common.read_ids(os.getenv("ITEMS_FILE"))
  common.picker(users)  -- seeds math.random per thread
  headers = common.headers({["Content-Type"] = "application/json"})
end

request = function()
  local body = '{"user_id": ' .. users[math.random(#users)] .. ', "item_id": ' .. items[math.random(#items)]
    .. ', "interaction_type": "' .. kind .. '"}'
  return wrk.format("POST", "/interactions", headers, body)
end
