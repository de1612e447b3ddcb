--[[
  Replaces a versioned JSON document only if nobody replaced it since it was read (optimistic concurrency):
  two replicas handling the same deployment can never both apply a transition.

  Input:
    KEYS[1] document hash {version, doc}
    KEYS[2] index sorted set, or "" for none
    ARGV[1] expected version ("0": the document must not exist yet)
    ARGV[2] new document (JSON)
    ARGV[3] index score (request time in ms), used when KEYS[2] is given
    ARGV[4] index member (the document id)

  Output: { 1, new version } or { 0, current version }
]]
local current = redis.call("HGET", KEYS[1], "version") or "0"
if current ~= ARGV[1] then
  return { 0, tonumber(current) }
end
local next = tonumber(current) + 1
redis.call("HSET", KEYS[1], "version", next, "doc", ARGV[2])
if KEYS[2] ~= "" then
  redis.call("ZADD", KEYS[2], ARGV[3], ARGV[4])
end
return { 1, next }
