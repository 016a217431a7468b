-- GET /recommendations/{id} for random users with history (ids 1..USERS), each with a random
-- `exclude` item: a filtered request is always computed, never served from the cache.
local token = os.getenv("TOKEN")
local users = tonumber(os.getenv("USERS") or "610")
math.randomseed(os.time())
request = function()
  local id = math.random(1, users)
  local path = "/recommendations/" .. id .. "?limit=10&exclude=" .. math.random(1, 1000000)
  return wrk.format("GET", path, {["Authorization"] = "Token " .. token})
end
