-- API calls for wrk by many members: every request carries the API token of a
-- member drawn at random (Authorization: Bearer), so each answer is made for
-- someone, with that member's votes marked. The argument is a file of API
-- tokens, one a line (make bench writes it).
--
--   wrk -s bench/wrk/bearer.lua http://127.0.0.1:18080/api/v1/ideas -- bench/out/tokens.txt

local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local headers = {}

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      headers[#headers + 1] = { Authorization = "Bearer " .. line }
    end
  end
  assert(#headers > 0, "no API tokens in " .. args[1])
  math.randomseed(id)
end

function request()
  return wrk.format(nil, nil, headers[math.random(#headers)])
end
