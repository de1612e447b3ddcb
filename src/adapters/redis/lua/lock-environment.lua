--[[
  Locks an environment unless it is locked already; an existing lock is never overwritten, so whoever locked
  first is the one users are told about.

  Input:
    KEYS[1] the environment's lock hash
    ARGV[1] by, ARGV[2] reason, ARGV[3] at (ISO), ARGV[4] until (ISO or ""), ARGV[5] TTL in ms (0: none)

  Output: 1 when locked now, 0 when it already was
]]
if redis.call("EXISTS", KEYS[1]) == 1 then
  return 0
end
redis.call("HSET", KEYS[1], "by", ARGV[1], "reason", ARGV[2], "at", ARGV[3])
if ARGV[4] ~= "" then
  redis.call("HSET", KEYS[1], "until", ARGV[4])
end
if tonumber(ARGV[5]) > 0 then
  redis.call("PEXPIRE", KEYS[1], ARGV[5])
end
return 1
