--[[
  Gives a deployment the next number of its environment and records the name it makes (`production-42`), so a
  person can type the name and greenlight finds the deployment.

  Input:
    KEYS[1] the environment's deployment counter
    KEYS[2] the hash of names → deployment ids
    ARGV[1] environment name
    ARGV[2] deployment id

  Output: the number
]]
local number = redis.call("INCR", KEYS[1])
redis.call("HSET", KEYS[2], ARGV[1] .. "-" .. number, ARGV[2])
return number
