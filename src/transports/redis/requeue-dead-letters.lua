--[[
requeue-dead-letters.lua: move dead letters back onto their queues, each exactly once even when
two callers requeue the same letters at once.

KEYS[1]    celeriac.dead_letters  list of JSON dead-letter records, oldest first
KEYS[2..]  destination lists
ARGV       per letter: the record's exact text, the index into KEYS of its destination list,
           the envelope to push there (LPUSH: the back of the queue, like a new publish)

Returns the number of letters moved.
]]

local moved = 0
for i = 1, #ARGV, 3 do
  if redis.call('LREM', KEYS[1], 1, ARGV[i]) == 1 then
    redis.call('LPUSH', KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2])
    moved = moved + 1
  end
end
return moved
