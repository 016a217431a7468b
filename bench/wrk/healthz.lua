-- The floor: GET /healthz, a plain Django JsonResponse (no database, no Redis, no DRF).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local request_bytes
function init(args)
  request_bytes = wrk.format("GET", "/healthz", common.headers())
end

request = function()
  return request_bytes
end
