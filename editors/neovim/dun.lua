-- dun: the .dun file type and its language server, `dun lsp`.
-- Works unchanged on Neovim 0.7 (Debian 12's package) and on 0.8 to 0.11+.
do
  local dun = "dun" -- or an absolute path, e.g. "/home/me/dun/target/release/dun"

  if vim.filetype and vim.fn.has("nvim-0.8") == 1 then
    vim.filetype.add({ extension = { dun = "dun" } })
  else
    -- 0.7 detects file types with filetype.vim, which would call a .dun
    -- file starting with `#` "conf": set the type after it has run.
    vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
      pattern = "*.dun",
      callback = function(args)
        vim.bo[args.buf].filetype = "dun"
      end,
    })
  end

  local warned = false
  local started = {} -- 0.7 only: one client per project root

  local function root_of(buf)
    local folder = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ":p:h")
    local git = vim.fn.finddir(".git", folder .. ";")
    if git ~= "" then
      return vim.fn.fnamemodify(git, ":p:h:h")
    end
    return folder
  end

  vim.api.nvim_create_autocmd("FileType", {
    pattern = "dun",
    callback = function(args)
      vim.bo[args.buf].commentstring = "# %s"
      if vim.fn.executable(dun) ~= 1 then
        if not warned then
          warned = true
          -- Scheduled: shown once the file has loaded, not hidden by it.
          vim.schedule(function()
            vim.notify(
              "dun: cannot start the language server: `" .. dun .. "` is not an executable on PATH. "
                .. "Install dun (cargo install --path . in its repository) or set `dun` in this snippet to its full path.",
              vim.log.levels.ERROR
            )
          end)
        end
        return
      end
      local root = root_of(args.buf)
      if vim.lsp.start then -- 0.8 and later reuse a running client by name and root
        vim.lsp.start({ name = "dun", cmd = { dun, "lsp" }, root_dir = root })
      else
        started[root] = started[root]
          or vim.lsp.start_client({ name = "dun", cmd = { dun, "lsp" }, root_dir = root })
        if started[root] then
          vim.lsp.buf_attach_client(args.buf, started[root])
        end
      end
    end,
  })
end
