--[[
  Reads one flag for `/flag status`: the value apps read and greenlight's record of its last change, in one
  command (a pipeline of GET and HGETALL costs ioredis about half again as much CPU, on the command path).

  Input:
    KEYS[1] flag key (feature:<name>)
    KEYS[2] change record hash (greenlight:flag:<name>)

  Output: { value or nil, { field, value, field, value, ... } }
]]
return { redis.call('GET', KEYS[1]), redis.call('HGETALL', KEYS[2]) }
