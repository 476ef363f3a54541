-- Vote toggles through the JSON API for wrk, by many members: each request
-- draws a member's API token and an idea. Every other request casts a vote
-- (POST) and the others withdraw one this thread cast 32 requests earlier
-- (DELETE), so the votes in the database stay about as many as at the start.
-- Arguments: a file of API tokens and a file of idea ids that take votes, one
-- a line (make bench writes both).
--
--   wrk -s bench/wrk/vote.lua http://127.0.0.1:18080/ -- bench/out/tokens.txt bench/out/vote-ideas.txt

local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local function lines(path)
  local list = {}
  for line in io.lines(path) do
    if line ~= "" then
      list[#list + 1] = line
    end
  end
  assert(#list > 0, "nothing in " .. path)
  return list
end

local tokens, ideas, pending, n = nil, nil, {}, 0

function init(args)
  tokens, ideas = lines(args[1]), lines(args[2])
  math.randomseed(id)
end

function request()
  n = n + 1
  if n % 2 == 0 and #pending >= 32 then
    local v = table.remove(pending, 1)
    return wrk.format("DELETE", "/api/v1/ideas/" .. v.idea .. "/vote", v.headers)
  end
  local v = {
    idea = ideas[math.random(#ideas)],
    headers = { Authorization = "Bearer " .. tokens[math.random(#tokens)] },
  }
  pending[#pending + 1] = v
  return wrk.format("POST", "/api/v1/ideas/" .. v.idea .. "/vote", v.headers)
end
