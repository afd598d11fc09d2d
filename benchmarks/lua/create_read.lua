-- KeyNest create-then-read: POST {base}/properties, then GET {base}/properties/{id} of the id
-- it returned. Ids are queued per thread; a read goes out whenever a created id is waiting.
local base = os.getenv("BENCH_BASE") or ""
local body = '{"name":"Bench Court","units":2,"address":{"street":"1 Bench St",' ..
  '"city":"Hamilton","province":"ON","postalCode":"L8P 4R5"}}'
local created = {}
local post_headers = {}

init = function(args)
  for k, v in pairs(wrk.headers) do post_headers[k] = v end
  post_headers["Content-Type"] = "application/json"
end

request = function()
  local id = table.remove(created)
  if id then
    return wrk.format("GET", base .. "/properties/" .. id)
  end
  return wrk.format("POST", base .. "/properties", post_headers, body)
end

response = function(status, headers, resp_body)
  if status == 201 then
    local id = resp_body:match('"id"%s*:%s*"([^"]+)"')
    if id then table.insert(created, id) end
  end
end
