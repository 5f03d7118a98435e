--[[
release-held.lua: end the hold of delivered messages and push each one somewhere, atomically per
message: back onto its list (a requeue, a warm-shutdown give-back, a visibility-timeout or
dead-consumer restore) or onto the dead letter list. kombu's restore_by_tag does the same under
WATCH; the checks below also leave alone a message that someone delivered again meanwhile.

KEYS[1]     unacked        hash  delivery tag -> JSON [envelope, exchange, routing_key]
KEYS[2]     unacked_index  zset  delivery tag, score = delivery (or renewal) time, unix seconds
KEYS[3]     owner          hash  delivery tag -> celeriac consumer id
KEYS[4..]   destination lists
ARGV[1]     highest index score released, unix seconds ('' = any): a message delivered or
            renewed after the caller looked scores higher and stays held
ARGV[2]     expected owner: release only messages the owner hash gives to this consumer id
            ('' = any owner, or none)
ARGV[3..]   per message: delivery tag, text to push, number of destinations D, then D indexes
            into KEYS (D = 0: only forget the hold)

A message is pushed (RPUSH: the end BRPOP takes from next) only if it was still held, so a
message acked or restored by someone else meanwhile is never pushed twice.
Returns the number of messages pushed.
]]

local unacked, index, owners = KEYS[1], KEYS[2], KEYS[3]
local max_score = tonumber(ARGV[1])
local expected = ARGV[2]
local pushed = 0
local i = 3
while i <= #ARGV do
  local tag, text, count = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local release = true
  if max_score then
    local score = redis.call('ZSCORE', index, tag)
    if score and tonumber(score) > max_score then release = false end
  end
  if release and expected ~= '' and redis.call('HGET', owners, tag) ~= expected then release = false end
  if release then
    local held = redis.call('HDEL', unacked, tag)
    redis.call('ZREM', index, tag)
    redis.call('HDEL', owners, tag)
    if held == 1 and count > 0 then
      for d = 1, count do redis.call('RPUSH', KEYS[tonumber(ARGV[i + 2 + d])], text) end
      pushed = pushed + 1
    end
  end
  i = i + 3 + count
end
return pushed
