-- The soak's mixed load on one propmock serving all three APIs (shared base paths), in a
-- six-step cycle: RentEngine GET /units?limit=50, Aptoria GET /api/ar-aging, KeyNest POST
-- /properties, GET it back, DELETE it, and a RentEngine unit update (POST /units with an id:
-- a DB-change webhook event). Records stay bounded, so any growth is a leak or a log.
local function auth(var) return { Authorization = "Bearer " .. os.getenv(var) } end
local re, ap, kn = auth("RE_TOKEN"), auth("AP_TOKEN"), auth("KN_TOKEN")
local kn_post = { Authorization = kn.Authorization, ["Content-Type"] = "application/json" }
local body = '{"name":"Soak Court","units":2}'
local re_post = { Authorization = re.Authorization, ["Content-Type"] = "application/json" }
local unit_id = os.getenv("UNIT_ID")
local step, created, readback = 0, {}, {}

local function units()
  return wrk.format("GET", "/rentengine/api/public/v1/units?limit=50", re)
end

request = function()
  step = step + 1
  local k = step % 6
  if k == 0 then
    if unit_id == "" then return units() end  -- the soak without event-emitting writes
    local update = string.format('{"id":%s,"target_rental_rate":%d}', unit_id, 1500 + step % 500)
    return wrk.format("POST", "/rentengine/api/public/v1/units", re_post, update)
  end
  if k == 1 then return units() end
  if k == 2 then return wrk.format("GET", "/aptoria/api/ar-aging", ap) end
  if k == 3 then return wrk.format("POST", "/keynest/v1/properties", kn_post, body) end
  if k == 4 then
    local id = table.remove(created)
    if id then
      table.insert(readback, id)
      return wrk.format("GET", "/keynest/v1/properties/" .. id, kn)
    end
    return units()
  end
  local id = table.remove(readback)
  if id then return wrk.format("DELETE", "/keynest/v1/properties/" .. id, kn) end
  return units()
end

response = function(status, headers, resp_body)
  if status == 201 then
    local id = resp_body:match('"id"%s*:%s*"([^"]+)"')
    if id then table.insert(created, id) end
  end
end
