--[[
  Releases an environment held by a deployment and hands it to the next one in line, atomically, so two
  replicas finishing at once can neither lose the queue's head nor start it twice.

  Input:
    KEYS[1] the environment's active-deployment key
    KEYS[2] the environment's queue (list)
    ARGV[1] deployment id that holds it

  Output: { "not-holder", holder or false } | { "released" } | { "promoted", next id }
]]
local holder = redis.call("GET", KEYS[1])
if holder ~= ARGV[1] then
  return { "not-holder", holder }
end
local next = redis.call("LPOP", KEYS[2])
if next then
  redis.call("SET", KEYS[1], next)
  return { "promoted", next }
end
redis.call("DEL", KEYS[1])
return { "released" }
