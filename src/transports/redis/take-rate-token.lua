--[[
take-rate-token.lua: take the token of a rate limit shared by every worker (a capacity-1 token
bucket: one token per interval, none stored up while idle). The key exists exactly while the
last token's interval runs, timed by the Redis server's clock, so workers on different hosts
agree without synchronised clocks.

KEYS[1]  celeriac.rate_limit.<task name>  string, expiring when the next token is due
ARGV[1]  interval between tokens, ms (integer ≥ 1)

Returns 0 when the token was taken, else the ms until it is due (≥ 1).
]]

if redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then
  return 0
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then
  return 1
end
return ttl
