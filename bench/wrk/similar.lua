-- GET /items/{id}/similar?limit=LIMIT for random item ids from IDS_FILE.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local next_id, headers
local limit = os.getenv("LIMIT") or "10"
function init(args)
  next_id = common.picker(common.read_ids(os.getenv("IDS_FILE")))
  headers = common.headers()
end

request = function()
  return wrk.format("GET", "/items/" .. next_id() .. "/similar?limit=" .. limit, headers)
end
