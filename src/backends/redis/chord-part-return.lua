--[[
chord-part-return.lua — record a chord header task's outcome as Celery's Redis backend does
(`RedisBackend.on_chord_part_return` with `result_chord_ordered`): ZADD the part to the `.j` zset
scored by its group index, refresh the lifetimes, and compare the part count with the size in
`.s` plus the `.t` extra count. Unlike Celery, one script does it all, so the decision is atomic:
exactly one reporter sees the chord complete, and the first failure closes the join at once
(deleting `.s`, so Python workers reporting later parts see no chord and do nothing) instead of
leaving the body waiting for every other part.

The part is recorded even when `.s` does not exist yet: Python's client writes `.s` only before
sending the last header task, so earlier parts may finish first and must still be counted.

KEYS[1]  celery-taskset-meta-<group>.j   (zset of parts)
KEYS[2]  celery-taskset-meta-<group>.t   (extra parts added by Celery's add_to_chord)
KEYS[3]  celery-taskset-meta-<group>.s   (chord size)
ARGV[1]  the part: Celery JSON of [1, task_id, state, result]
ARGV[2]  score: the part's group index, or "+inf" when it has none
ARGV[3]  lifetime in seconds (Celery's result_expires); "0" = no expiry
ARGV[4]  "1" when the part failed (FAILURE / REVOKED), else "0"

Returns: {0} no open chord (no size yet, or already completed/failed);
         {1} pending; {2, part, part, ...} complete (parts in group-index order; keys deleted);
         {3} failed (keys deleted).
]]

redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local count = redis.call('ZCOUNT', KEYS[1], '-inf', '+inf')
local extra = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
local size = redis.call('GET', KEYS[3])
local seconds = tonumber(ARGV[3])
if seconds > 0 then
  redis.call('EXPIRE', KEYS[1], seconds)
  redis.call('EXPIRE', KEYS[2], seconds)
  redis.call('EXPIRE', KEYS[3], seconds)
end
if not size then
  return {0}
end
if ARGV[4] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  return {3}
end
if count < tonumber(size) + extra then
  return {1}
end
local parts = redis.call('ZRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
local reply = {2}
for i = 1, #parts do
  reply[i + 1] = parts[i]
end
return reply
