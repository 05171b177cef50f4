-- wrk script for the refresh row: every refresh spends a token once, and its answer's successor is spent next. wrk
-- asks for a connection's next request right after reading its answer, so the successor just queued is there to take;
-- tokens pass between connections, but each is spent exactly once, in the order its chain issued them.
-- Usage: wrk -t1 -c N -s refresh-chains.lua URL -- TOKENS_FILE (N tokens, one per line)
local queue, first, last = {}, 1, 0

function init(args)
  for line in io.lines(args[1]) do
    last = last + 1
    queue[last] = line
  end
end

function request()
  local token = ""
  if first <= last then
    token = queue[first]
    queue[first] = nil
    first = first + 1
  end
  -- An empty token (a chain broke, so one fewer is in play) is refused and counted among wrk's non-2xx answers.
  return wrk.format("POST", "/api/v1/auth/refresh", { ["Content-Type"] = "application/json" }, '{"refreshToken":"' .. token .. '"}')
end

function response(status, headers, body)
  local successor = status == 200 and body:match('"refreshToken":"([^"]+)"')
  if successor then
    last = last + 1
    queue[last] = successor
  end
end
