-- Signed-in page views for wrk: every request carries the session cookie of a
-- member drawn at random, so each page is rendered for someone, with that
-- member's votes marked. The argument is a file of session tokens, one a line
-- (make bench writes it).
--
--   wrk -s bench/wrk/signed-in.lua http://127.0.0.1:18080/ -- bench/out/sessions.txt

local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local cookies = {}

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      cookies[#cookies + 1] = { Cookie = "samen_session=" .. line }
    end
  end
  assert(#cookies > 0, "no session tokens in " .. args[1])
  math.randomseed(id)
end

function request()
  return wrk.format(nil, nil, cookies[math.random(#cookies)])
end
