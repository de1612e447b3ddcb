--[[
  Releases a lock only for the process that holds it (its random token), as BullMQ does: a process whose lock
  expired while it was slow can never release the lock another process took since.

  Input:
    KEYS[1] lock key
    ARGV[1] holder's token

  Output: 1 when released, 0 when the lock was not (or no longer) this holder's
]]
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
