--[[
  Gives an environment to a deployment if it is free, else queues the deployment (first in, first out).
  Claiming twice, or queueing twice, is harmless: a retried request never doubles a place in line.

  Input:
    KEYS[1] the environment's active-deployment key
    KEYS[2] the environment's queue (list)
    ARGV[1] deployment id

  Output: { "active" } or { "queued", position (1 = next), holder id }
]]
local holder = redis.call("GET", KEYS[1])
if holder == ARGV[1] then
  return { "active" }
end
if not holder then
  redis.call("SET", KEYS[1], ARGV[1])
  redis.call("LREM", KEYS[2], 0, ARGV[1])
  return { "active" }
end
local position = redis.call("LPOS", KEYS[2], ARGV[1])
if not position then
  redis.call("RPUSH", KEYS[2], ARGV[1])
  position = redis.call("LLEN", KEYS[2]) - 1
end
return { "queued", position + 1, holder }
