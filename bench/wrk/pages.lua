-- Page views for wrk spread over many pages: every request asks for a path
-- drawn at random from a file of paths, one a line (make bench writes it), so
-- that the visitor page cache serves few of them and most reach the database.
--
--   wrk -s bench/wrk/pages.lua http://127.0.0.1:18080/ -- bench/out/idea-pages-sqlite.txt

local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local paths = {}

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  assert(#paths > 0, "no paths in " .. args[1])
  math.randomseed(id)
end

function request()
  return wrk.format(nil, paths[math.random(#paths)])
end
