--[[
  Paces calls to one Slack method (in one channel, where Slack counts per channel) across every replica: the
  generic cell rate algorithm, a token bucket kept as one timestamp. A call may go when the theoretical arrival
  time (TAT) is at most `burst - 1` intervals ahead of now; going moves the TAT one interval on. After Slack's own
  429, `hold` pushes the TAT so that nothing goes before its Retry-After.
  The clock is Redis's own (TIME), so replicas with skewed clocks agree.

  Input:
    KEYS[1] the pace key (value: TAT in ms)
    ARGV[1] interval between calls, ms
    ARGV[2] burst: calls that may go at once
    ARGV[3] "take" (a call wants to go now) or "hold" (Slack said wait)
    ARGV[4] for "hold": ms to wait

  Output: 0 when the call may go (and is counted), else the ms to wait before asking again
]]
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local interval = tonumber(ARGV[1])
local slack = (tonumber(ARGV[2]) - 1) * interval
local tat = tonumber(redis.call("GET", KEYS[1]) or "0")
if tat < now then tat = now end
local ttl = math.ceil(slack + interval + 60000)
if ARGV[3] == "hold" then
  local held = now + tonumber(ARGV[4]) + slack
  if held > tat then tat = held end
  redis.call("SET", KEYS[1], tat, "PX", math.ceil(tat - now + ttl))
  return 0
end
if tat - now > slack then
  return math.ceil(tat - now - slack)
end
redis.call("SET", KEYS[1], tat + interval, "PX", math.ceil(tat + interval - now + ttl))
return 0
