--[[
reclaim-lost.lua: find what one pop-and-hold.lua call held when its reply never reached the
consumer (the connection dropped, or the client's socket timeout fired, after Redis ran it). The
messages are held for this live consumer, which does not know them: without this they would wait
for the visibility timeout. Read-only, so a reclaim whose own reply is lost is simply sent again.

Every pop-and-hold.lua call scores the messages it holds with a time unique within its transport
(a microsecond fraction counts the calls), so the lost call's messages are those of unacked_index
with exactly that score whose owner is this consumer.

KEYS[1]  unacked        hash  delivery tag -> JSON [envelope, exchange, routing_key] (kombu)
KEYS[2]  unacked_index  zset  delivery tag, score = delivery time in unix seconds (kombu)
KEYS[3]  owner          hash  delivery tag -> id of the celeriac consumer holding it
ARGV[1]  the lost call's score (the exact text it sent as its ARGV[1])
ARGV[2]  this consumer's id

Returns a flat array, two entries per message still held by this consumer: delivery tag, unacked
record (kombu's JSON, as pop-and-hold.lua wrote it).
]]

local out = {}
local tags = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[1], ARGV[1])
for i = 1, #tags do
  local tag = tags[i]
  if redis.call('HGET', KEYS[3], tag) == ARGV[2] then
    local record = redis.call('HGET', KEYS[1], tag)
    if record then
      out[#out + 1] = tag
      out[#out + 1] = record
    end
  end
end
return out
