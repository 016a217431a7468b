-- GET /recommendations/{id} for random user ids from a huge range: nearly every request is a cache miss.
-- usage: TOKEN=... wrk -t2 -c32 -d15s -s bench/wrk/recommendations_miss.lua http://127.0.0.1:8000
local token = os.getenv("TOKEN")
math.randomseed(os.time())
request = function()
  local id = math.random(1000000, 2000000000)
  return wrk.format("GET", "/recommendations/" .. id .. "?limit=10", {["Authorization"] = "Token " .. token})
end
