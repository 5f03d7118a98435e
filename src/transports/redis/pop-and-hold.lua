--[[
pop-and-hold.lua: take up to N ready messages for one consumer and record each one as held
(kombu's ack emulation), in one atomic step. kombu does BRPOP and then QoS.append (ZADD + HSET) in
two round trips, and a crash between them loses the message; here nothing sits in between.

KEYS[1]       unacked        hash  delivery tag -> JSON [envelope, exchange, routing_key] (kombu)
KEYS[2]       unacked_index  zset  delivery tag, score = delivery time in unix seconds (kombu)
KEYS[3]       owner          hash  delivery tag -> id of the celeriac consumer holding it
KEYS[4..3+L]  the consumer's lists in kombu's BRPOP order: for each priority step, every queue;
              the list of step s and queue q (both 0-based) is KEYS[4 + s*Q + q]
ARGV[1]       now: unix time in seconds (decimal text), the score given to every message held
ARGV[2]       N: most messages to hold in this call, counting the one in ARGV[6] (integer >= 1)
ARGV[3]       Q: number of queues (L / Q is the number of priority steps)
ARGV[4]       consumer id recorded in the owner hash ('' records no owner)
ARGV[5]       '1': round robin (a queue that gave a message moves behind the others, kombu's
              default queue_order_strategy); '0': fixed order
ARGV[6]       a message BRPOP already took, to hold first ('' = none)
ARGV[7]       the list position (1-based, among the L lists) ARGV[6] came from
ARGV[8..7+L]  each list's name as a JSON string, without global_keyprefix. It is recorded as the
              routing key of the anonymous exchange, so a restore, kombu's or celeriac's, pushes
              the message back to exactly the list it came from.

Returns a flat array, three entries per message in the order taken: list position (1-based),
envelope text, delivery tag. The tag is '' for a message that is not JSON at all: it is returned
without being held (a restore could not parse it), and the caller dead-letters it.
]]

local unacked, index, owners = KEYS[1], KEYS[2], KEYS[3]
local now = ARGV[1]
local want = tonumber(ARGV[2])
local queues = tonumber(ARGV[3])
local owner = ARGV[4]
local rotate = ARGV[5] == '1'
local lists = #KEYS - 3
local steps = lists / queues

local out, scores, values, owned = {}, {}, {}, {}
local taken = 0

local find, sub = string.find, string.sub

-- kombu (and celeriac) write delivery_tag last, so plain searches near the end find it at once;
-- any other layout falls back to parsing the JSON.
local function tag_of(payload)
  local at = find(payload, '"delivery_tag":', -128, true)
  if at then
    local open = find(payload, '"', at + 15, true)
    if open and open - at <= 16 then
      local close = find(payload, '"', open + 1, true)
      if close and close > open + 1 and not find(payload, '\\', open + 1, true) then
        return sub(payload, open + 1, close - 1)
      end
    end
  end
  local ok, envelope = pcall(cjson.decode, payload)
  if not ok then return '' end
  if type(envelope) == 'table' and type(envelope['properties']) == 'table' then
    local found = envelope['properties']['delivery_tag']
    if type(found) == 'string' and found ~= '' then return found end
  end
  -- JSON without a tag of its own: one no other message has.
  return 'celeriac-' .. redis.sha1hex(payload .. now .. taken)
end

local returned, recorded = 0, 0
local function hold(position, payload)
  taken = taken + 1
  local tag = tag_of(payload)
  out[returned + 1] = position
  out[returned + 2] = payload
  out[returned + 3] = tag
  returned = returned + 3
  if tag ~= '' then
    scores[recorded + 1] = now
    scores[recorded + 2] = tag
    values[recorded + 1] = tag
    values[recorded + 2] = '[' .. payload .. ', "", ' .. ARGV[7 + position] .. ']'
    if owner ~= '' then
      owned[recorded + 1] = tag
      owned[recorded + 2] = owner
    end
    recorded = recorded + 2
  end
end

if ARGV[6] ~= '' then hold(tonumber(ARGV[7]), ARGV[6]) end

local order = {}
for q = 1, queues do order[q] = q end
local empty = {}
-- One queue, or no round robin: every pop would take from the first list that has messages, so
-- pop as many as wanted from each list in turn with one RPOP <count> (Redis 6.2+; REDIS_VERSION_NUM
-- exists from 7.0) instead of one RPOP per message.
if (queues == 1 or not rotate) and redis.REDIS_VERSION_NUM ~= nil then
  for position = 1, lists do
    if taken >= want then break end
    local got = redis.call('RPOP', KEYS[3 + position], want - taken)
    if got then
      for i = 1, #got do hold(position, got[i]) end
    end
  end
  want = taken
end
while taken < want do
  local got = false
  for s = 0, steps - 1 do
    for i = 1, queues do
      local q = order[i]
      local position = s * queues + q
      if not empty[position] then
        local payload = redis.call('RPOP', KEYS[3 + position])
        if payload then
          hold(position, payload)
          if rotate and queues > 1 then
            table.remove(order, i)
            order[queues] = q
          end
          got = true
          break
        end
        empty[position] = true
      end
    end
    if got then break end
  end
  if not got then break end
end

if recorded > 0 then
  redis.call('ZADD', index, unpack(scores))
  redis.call('HSET', unacked, unpack(values))
  if owner ~= '' then redis.call('HSET', owners, unpack(owned)) end
end
return out
