--[[
  Sets a feature flag and records the change atomically: the value apps read, greenlight's change record,
  the flag's name in the set of names (so listing flags never SCANs the keyspace), an audit entry and the change
  event on the flags channel all happen, or none does.

  Input:
    KEYS[1] flag key (feature:<name>)
    KEYS[2] change record hash (greenlight:flag:<name>)
    KEYS[3] audit stream
    KEYS[4] set of flag names (greenlight:flag-names)

    ARGV[1]  new value: "true" | "false"
    ARGV[2]  change id of this change
    ARGV[3]  expected change id: "" for a user's change; for an automatic revert, the change it undoes
    ARGV[4]  by (Slack user id or "greenlight")
    ARGV[5]  reason
    ARGV[6]  at (ISO time)
    ARGV[7]  until (ISO time) or ""
    ARGV[8]  source: "slack" | "auto-revert"
    ARGV[9]  pub/sub channel
    ARGV[10] change event JSON to publish
    ARGV[11] audit stream approximate max length
    ARGV[12] flag name

  Output: { "ok", old value or false } or { "superseded", current change id or false }
]]
local rcall = redis.call
if ARGV[3] ~= "" then
  local current = rcall("HGET", KEYS[2], "changeId")
  if current ~= ARGV[3] then
    return { "superseded", current }
  end
end
local old = rcall("GET", KEYS[1])
rcall("SET", KEYS[1], ARGV[1])
rcall("SADD", KEYS[4], ARGV[12])
rcall("DEL", KEYS[2])
rcall("HSET", KEYS[2], "changeId", ARGV[2], "by", ARGV[4], "reason", ARGV[5], "at", ARGV[6], "source", ARGV[8])
if ARGV[7] ~= "" then
  rcall("HSET", KEYS[2], "until", ARGV[7])
end
rcall("XADD", KEYS[3], "MAXLEN", "~", ARGV[11], "*",
  "action", "flag.changed", "flag", ARGV[12], "old", old or "", "new", ARGV[1], "by", ARGV[4],
  "reason", ARGV[5], "at", ARGV[6], "until", ARGV[7], "source", ARGV[8], "changeId", ARGV[2])
rcall("PUBLISH", ARGV[9], ARGV[10])
return { "ok", old }
