--[[
release-mutex.lua: release kombu's `unacked_mutex` if this caller still holds it (redis-py's Lock
release, which kombu uses: a lock that expired and was taken by another worker is left alone).

KEYS[1]  unacked_mutex  string  the holder's token, set with SET NX PX <unacked_mutex_expire ms>
ARGV[1]  this caller's token

Returns 1 when released, 0 when the lock was no longer this caller's.
]]

if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
