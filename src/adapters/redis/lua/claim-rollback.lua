--[[
  Claims the rollback of every service a rollback touches, all or none: a `/rollback` (one service) and a rollout
  rolling itself back (every service it deployed) take the same keys, so only one of them rolls a service back.

  Input:
    KEYS[1..n] one claim key per service (`<prefix>env:<env>:rollback:<service>`)
    ARGV[1] the claiming deployment's id
    ARGV[2] time to live, seconds (a guard against a claim left behind by a lost finalize)

  Output: the id holding one of the claims when that is another deployment (nothing was claimed); nil when all are
  this deployment's now
]]
for _, key in ipairs(KEYS) do
  local holder = redis.call("GET", key)
  if holder and holder ~= ARGV[1] then
    return holder
  end
end
for _, key in ipairs(KEYS) do
  redis.call("SET", key, ARGV[1], "EX", ARGV[2])
end
return nil
