-- POST /interactions/batch: BATCH_SIZE events a request (random users from IDS_FILE, random items
-- from ITEMS_FILE, types view/click/like/purchase); events per second = requests per second x BATCH_SIZE.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local users, items, headers
local size = tonumber(os.getenv("BATCH_SIZE") or "1000")
local kinds = {"view", "view", "view", "view", "click", "click", "like", "purchase"}
function init(args)
  users, items, headers = common.events_init()
end

request = function()
  local rows = {}
  for i = 1, size do
    rows[i] = common.event(users, items, kinds[math.random(#kinds)])
  end
  return wrk.format("POST", "/interactions/batch", headers, "[" .. table.concat(rows, ", ") .. "]")
end
