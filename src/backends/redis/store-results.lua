--[[
store-results.lua — store task results as Celery's Redis backend does, atomically per result:
keep a SUCCESS that is already stored (Celery's dedup guard, `BaseBackend._store_result`), else
write the value (SETEX with the lifetime, or SET when it has none) and PUBLISH it on the channel
named like its key (`RedisBackend._set`). One call stores a whole batch.

On Redis 7+ the common case (no value stored yet) is one `SET key value NX GET [EX s]`, which
writes and reports what was there in one step; only a key that already holds a value is looked at
and, unless it is a SUCCESS, overwritten. Older servers reject NX with GET: they GET first.

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

local call = redis.call
local seconds = ARGV[1]
local expires = tonumber(seconds) > 0
-- REDIS_VERSION_NUM exists from Redis 7.0, the first to accept SET with both NX and GET.
local write_if_absent = redis.REDIS_VERSION_NUM ~= nil

local function overwrite(key, value)
  if expires then
    call('SET', key, value, 'EX', seconds)
  else
    call('SET', key, value)
  end
end

local kept = 0
for i, key in ipairs(KEYS) do
  local value = ARGV[i + 1]
  local current
  if write_if_absent then
    if expires then
      current = call('SET', key, value, 'NX', 'GET', 'EX', seconds)
    else
      current = call('SET', key, value, 'NX', 'GET')
    end
  else
    current = call('GET', key)
    if not current then overwrite(key, value) end
  end
  if current and holds_success(current) then
    kept = kept + 1
  else
    if current then overwrite(key, value) end
    call('PUBLISH', key, value)
  end
end
return kept
