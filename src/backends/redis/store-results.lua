--[[
store-results.lua — store task results as Celery's Redis backend does, atomically per result:
keep a SUCCESS that is already stored (Celery's dedup guard, `BaseBackend._store_result`), else
write the value (SETEX with the lifetime, or SET when it has none) and PUBLISH it on the channel
named like its key (`RedisBackend._set`). One call stores a whole batch.

KEYS[i]     result key of the i-th result (`celery-task-meta-<task_id>`)
ARGV[1]     lifetime in seconds (Celery's `result_expires`); "0" = no expiry
ARGV[i + 1] value of the i-th result (Celery's result JSON)

Returns: the number of results NOT written because their key already held a SUCCESS.
]]

local function holds_success(value)
  -- Celery and celeriac both write `status` first; match that without decoding the whole value.
  local status = string.match(value, '^%s*{%s*"status"%s*:%s*"([^"\\]*)"')
  if status then
    return status == 'SUCCESS'
  end
  local ok, decoded = pcall(cjson.decode, value)
  return ok and type(decoded) == 'table' and decoded['status'] == 'SUCCESS'
end

local seconds = tonumber(ARGV[1])
local kept = 0
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  if current and holds_success(current) then
    kept = kept + 1
  else
    local value = ARGV[i + 1]
    if seconds > 0 then
      redis.call('SETEX', key, seconds, value)
    else
      redis.call('SET', key, value)
    end
    redis.call('PUBLISH', key, value)
  end
end
return kept
