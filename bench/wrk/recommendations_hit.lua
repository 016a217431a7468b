-- GET /recommendations/{id} for one user over and over: every request after the first is a cache hit.
local token = os.getenv("TOKEN")
local user = os.getenv("USER_ID") or "1"
request = function()
  return wrk.format("GET", "/recommendations/" .. user .. "?limit=10", {["Authorization"] = "Token " .. token})
end
