"""Lua scripts of the Redis delay queue; each runs atomically on the server.

Key layout (all under one prefix, which should carry a {hash tag} on Redis Cluster):
  body     hash  id -> JSON {type, payload, headers}; never decoded in Lua, so the JSON round-trip
                 stays exact (cjson would turn empty arrays into objects)
  attempts hash  id -> deliveries so far
  runat    hash  id -> due time, epoch ms
  token    hash  id -> lease token of the current claim
  err      hash  id -> last error
  dedup    hash  id -> 1 when the id was given by the caller (keep a tombstone on ack)
  due      zset  id by due time (waiting)
  lease    zset  id by lease deadline (claimed)
  dead     zset  id by time of death
  done:<id>      tombstone string with a TTL, blocks re-enqueueing a finished caller-given id
"""

ENQUEUE = """
-- KEYS: body attempts runat due dedup done_key   ARGV: id body run_at_ms dedup_flag
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('EXISTS', KEYS[6]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], 0)
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
if ARGV[4] == '1' then redis.call('HSET', KEYS[5], ARGV[1], 1) end
return 1
"""

CLAIM = """
-- KEYS: due lease attempts runat token body err   ARGV: now_ms lease_until_ms limit token
local now = ARGV[1]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. now)) do
  -- expired lease: the worker died or hung; make the job claimable again at its own due time
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[1], redis.call('HGET', KEYS[4], id) or now, id)
end
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZADD', KEYS[2], ARGV[2], id)
  local attempts = redis.call('HINCRBY', KEYS[3], id, 1)
  redis.call('HSET', KEYS[5], id, ARGV[4])
  table.insert(out, id)
  table.insert(out, redis.call('HGET', KEYS[6], id) or '')
  table.insert(out, attempts)
  table.insert(out, redis.call('HGET', KEYS[4], id) or now)
  table.insert(out, redis.call('HGET', KEYS[7], id) or '')
end
return out
"""

ACK = """
-- KEYS: body attempts runat token err dedup due lease done_key   ARGV: id token retention_ms
local id = ARGV[1]
if redis.call('HGET', KEYS[4], id) ~= ARGV[2] then return 0 end
local dedup = redis.call('HEXISTS', KEYS[6], id)
for i = 1, 6 do redis.call('HDEL', KEYS[i], id) end
redis.call('ZREM', KEYS[7], id)
redis.call('ZREM', KEYS[8], id)
if dedup == 1 then redis.call('SET', KEYS[9], '1', 'PX', ARGV[3]) end
return 1
"""

RETRY = """
-- KEYS: token err runat due lease   ARGV: id token run_at_ms error
local id = ARGV[1]
if redis.call('HGET', KEYS[1], id) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], id)
redis.call('HSET', KEYS[2], id, ARGV[4])
redis.call('HSET', KEYS[3], id, ARGV[3])
redis.call('ZREM', KEYS[5], id)
redis.call('ZADD', KEYS[4], ARGV[3], id)
return 1
"""

BURY = """
-- KEYS: token err due lease dead   ARGV: id token now_ms error
local id = ARGV[1]
if redis.call('HGET', KEYS[1], id) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], id)
redis.call('HSET', KEYS[2], id, ARGV[4])
redis.call('ZREM', KEYS[3], id)
redis.call('ZREM', KEYS[4], id)
redis.call('ZADD', KEYS[5], ARGV[3], id)
return 1
"""

EXTEND = """
-- KEYS: token lease   ARGV: until_ms, then id token pairs
local n = 0
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[1], id) == ARGV[i + 1] and redis.call('ZSCORE', KEYS[2], id) then
    redis.call('ZADD', KEYS[2], 'XX', ARGV[1], id)
    n = n + 1
  end
end
return n
"""

CANCEL = """
-- KEYS: body attempts runat token err dedup due lease dead   ARGV: id
local id = ARGV[1]
if redis.call('HEXISTS', KEYS[1], id) == 0 then return 0 end
for i = 1, 6 do redis.call('HDEL', KEYS[i], id) end
for i = 7, 9 do redis.call('ZREM', KEYS[i], id) end
return 1
"""

LEASE_ACQUIRE = """
-- KEYS: lease_key   ARGV: holder ttl_ms
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

LEASE_RELEASE = """
-- KEYS: lease_key   ARGV: holder
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
