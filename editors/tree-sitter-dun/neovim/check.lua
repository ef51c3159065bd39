-- Headless check that dun-treesitter.lua (the snippet of docs/editors.md)
-- works in this Neovim: run by bindings/rust/tests/neovim.rs as
--   nvim --headless -n -i NONE -u NONE -c "luafile neovim/dun-treesitter.lua" -c "luafile neovim/check.lua" FLOW.dun
-- with DUN_TREE_SITTER set to the grammar folder. It builds the parser,
-- parses the flow without an error and checks what the highlight and fold
-- queries capture. Prints one "ok:" line per check; exits 1 with a "FAIL:"
-- line otherwise.

local function say(line)
  io.stdout:write(line .. "\n")
  io.stdout:flush()
end

local function fail(message)
  io.stderr:write("FAIL: " .. message .. "\n")
  io.stderr:flush()
  vim.cmd("cquit 1")
end

local function line_of(pattern)
  for i, text in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local col = text:find(pattern)
    if col then
      return i - 1, col - 1
    end
  end
  fail("no line matches " .. pattern)
end

local function get_query(name)
  if vim.treesitter.query.get then -- 0.9 and later
    return vim.treesitter.query.get("dun", name)
  end
  return vim.treesitter.get_query("dun", name)
end

local function main()
  local v = vim.version()
  say("ok: Neovim " .. v.major .. "." .. v.minor .. "." .. v.patch)
  vim.bo.filetype = "dun"

  local parser = vim.treesitter.get_parser(0, "dun")
  local tree = parser:parse()[1]
  local root = tree:root()
  if root:has_error() then
    fail("the flow does not parse without an error: " .. root:sexpr():sub(1, 400))
  end
  say("ok: parsed " .. root:named_child_count() .. " declarations without an error")

  local highlighter = vim.treesitter.highlighter.active[vim.api.nvim_get_current_buf()]
  if not highlighter then
    fail("no tree-sitter highlighter is attached to the buffer")
  end
  say("ok: highlighter attached")

  -- What each capture covers, by position "row:col".
  local captured = {}
  local last = vim.api.nvim_buf_line_count(0)
  local highlights = get_query("highlights")
  for id, node in highlights:iter_captures(root, 0, 0, last) do
    local row, col = node:range()
    captured[row .. ":" .. col] = highlights.captures[id] -- the last pattern wins, as in the highlighter
  end

  local function expect(pattern, offset, capture, what)
    local row, col = line_of(pattern)
    local got = captured[row .. ":" .. (col + offset)]
    if got ~= capture then
      fail(what .. " on line " .. (row + 1) .. " is captured as " .. tostring(got) .. ", not " .. capture)
    end
    say("ok: " .. what .. " is @" .. capture)
  end

  expect("^stage ", 0, "keyword", "the keyword `stage`")
  expect("^stage ", 6, "type", "a stage's name")
  expect("^template ", 9, "function", "a template's name")
  expect("^event ", 6, "constant", "an event's name")
  expect("^## ", 0, "comment.documentation", "a doc comment")
  expect("^  if ", 2, "keyword.conditional", "the keyword `if`")
  expect("in account%.", 3, "variable.builtin", "`account` in a field access")

  local folds = 0
  for _ in get_query("folds"):iter_captures(root, 0, 0, last) do
    folds = folds + 1
  end
  if folds < 10 then
    fail("the fold query finds " .. folds .. " folds")
  end
  say("ok: " .. folds .. " folds")
  vim.cmd("qall!")
end

local ok, err = pcall(main)
if not ok then
  fail(tostring(err))
end
