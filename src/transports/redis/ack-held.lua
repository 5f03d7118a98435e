--[[
ack-held.lua: acknowledge delivered messages (kombu's basic_ack: ZREM unacked_index + HDEL
unacked, which kombu sends as one MULTI/EXEC per message) for a whole batch in one call.

KEYS[1]  unacked        hash  delivery tag -> JSON [envelope, exchange, routing_key]
KEYS[2]  unacked_index  zset  delivery tag scored by delivery time
KEYS[3]  owner          hash  delivery tag -> celeriac consumer id
ARGV     the delivery tags (at most a few thousand: they are unpacked onto Lua's stack)

Returns the number of tags that were still held.
]]

local held = redis.call('HDEL', KEYS[1], unpack(ARGV))
redis.call('ZREM', KEYS[2], unpack(ARGV))
redis.call('HDEL', KEYS[3], unpack(ARGV))
return held
