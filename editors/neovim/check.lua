-- Headless check that the set-up in dun.lua (the snippet of docs/editors.md)
-- works in this Neovim against the real `dun lsp`: run by tests/editors.rs as
--   nvim --headless -n -i NONE -u editors/neovim/dun.lua -c "luafile editors/neovim/check.lua" FLOW.dun
-- With DUN_CHECK_MISSING=1 it checks instead that a missing `dun` is reported.
-- Prints one "ok:" line per check; exits 1 with a "FAIL:" line otherwise.

local patience = 30000 -- ms; only reached when something is broken

local function say(line)
  io.stdout:write(line .. "\n")
  io.stdout:flush()
end

local function fail(message)
  io.stderr:write("FAIL: " .. message .. "\n")
  io.stderr:flush()
  vim.cmd("cquit 1")
end

local function clients()
  local found = {}
  local list = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = 0 }) or vim.lsp.buf_get_clients(0)
  for _, c in pairs(list) do
    table.insert(found, c)
  end
  return found
end

local function line_of(pattern)
  for i, text in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local col = text:find(pattern)
    if col then
      return i - 1, col - 1, text
    end
  end
  fail("no line matches " .. pattern)
end

local function errors()
  return vim.diagnostic.get(0, { severity = vim.diagnostic.severity.ERROR })
end

local function main()
  say("ok: Neovim " .. tostring(vim.version().major) .. "." .. tostring(vim.version().minor) .. "." .. tostring(vim.version().patch))
  if vim.bo.filetype ~= "dun" then
    fail("the file type is '" .. vim.bo.filetype .. "', not 'dun'")
  end
  say("ok: file type dun")

  if os.getenv("DUN_CHECK_MISSING") == "1" then
    vim.wait(500)
    local messages = vim.fn.execute("messages")
    if not messages:find("is not an executable on PATH", 1, true) then
      fail("no message says that dun is missing; messages were:\n" .. messages)
    end
    if #clients() ~= 0 then
      fail("a client started without dun")
    end
    say("ok: a missing dun is reported")
    vim.cmd("qall!")
    return
  end

  if not vim.wait(patience, function() return #clients() > 0 and clients()[1].initialized ~= false end, 50) then
    fail("no language client attached to the buffer")
  end
  say("ok: client attached")

  -- The example is clean: the server must say so before the mistake.
  if not vim.wait(patience, function() return #errors() == 0 end, 50) then
    fail("the example has errors before any edit")
  end

  -- A mistake: a stage name misspelt in a goto.
  local line, _, text = line_of("^%s*goto late_fee%s*$")
  vim.api.nvim_buf_set_lines(0, line, line + 1, false, { (text:gsub("late_fee", "late_fe")) })
  local got = vim.wait(patience, function()
    for _, d in ipairs(errors()) do
      if d.lnum == line and d.message:find("late_fe", 1, true) then
        return true
      end
    end
    return false
  end, 50)
  if not got then
    fail("no error on line " .. (line + 1) .. " about `late_fe`; diagnostics: " .. vim.inspect(vim.diagnostic.get(0)))
  end
  say("ok: diagnostic on line " .. (line + 1) .. ": " .. errors()[1].message)

  -- Hover on a stage name in a goto.
  local gline, gcol = line_of("goto plan_offer")
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(0) },
    position = { line = gline, character = gcol + #"goto " },
  }
  local answers = vim.lsp.buf_request_sync(0, "textDocument/hover", params, patience) or {}
  local hover = ""
  for _, a in pairs(answers) do
    if a.result and a.result.contents then
      hover = a.result.contents.value or vim.inspect(a.result.contents)
    end
  end
  if not hover:find("stage plan_offer", 1, true) then
    fail("hover on `plan_offer` does not name the stage: " .. hover)
  end
  say("ok: hover names the stage plan_offer")

  -- Go to definition, as CTRL-] or gd do: the cursor moves to the stage.
  local sline = line_of("^stage plan_offer")
  vim.api.nvim_win_set_cursor(0, { gline + 1, gcol + #"goto " })
  vim.lsp.buf.definition()
  if not vim.wait(patience, function() return vim.api.nvim_win_get_cursor(0)[1] == sline + 1 end, 50) then
    fail("go to definition left the cursor on line " .. vim.api.nvim_win_get_cursor(0)[1] .. ", not " .. (sline + 1))
  end
  say("ok: definition on line " .. (sline + 1))

  vim.cmd("qall!")
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  fail(tostring(err))
end
