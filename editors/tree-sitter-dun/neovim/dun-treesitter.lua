-- dun: highlighting and folds from the tree-sitter grammar, with no plugin.
-- Works on Neovim 0.7 (Debian 12's package) and on 0.8 to 0.11+; needs a C
-- compiler (`cc`) once, to build the parser.
do
  -- The grammar folder of a clone of the dun repository.
  local grammar = vim.env.DUN_TREE_SITTER or (vim.env.HOME .. "/dun/editors/tree-sitter-dun")
  local data = vim.fn.stdpath("data")
  local parser = data .. "/dun-tree-sitter.so"

  local function read(path)
    local file = io.open(path, "r")
    if not file then
      return nil
    end
    local text = file:read("*a")
    file:close()
    return text
  end

  local function setup()
    if vim.fn.filereadable(parser) == 0 or vim.fn.getftime(parser) < vim.fn.getftime(grammar .. "/src/parser.c") then
      vim.fn.mkdir(data, "p")
      local out = vim.fn.system({ "cc", "-shared", "-fPIC", "-O2", "-I", grammar .. "/src",
        grammar .. "/src/parser.c", "-o", parser })
      if vim.v.shell_error ~= 0 then
        return "cannot build " .. parser .. " from " .. grammar .. "/src/parser.c: " .. out
      end
    end
    if vim.treesitter.language.add then -- 0.9 and later
      vim.treesitter.language.add("dun", { path = parser })
    else
      vim.treesitter.require_language("dun", parser)
    end
    local set = vim.treesitter.query.set or vim.treesitter.query.set_query
    for _, name in ipairs({ "highlights", "folds", "indents", "locals" }) do
      local text = read(grammar .. "/queries/" .. name .. ".scm")
      if not text then
        return "cannot read " .. grammar .. "/queries/" .. name .. ".scm (set DUN_TREE_SITTER to the grammar folder)"
      end
      set("dun", name, text)
    end
  end

  local problem = setup()
  if problem then
    vim.schedule(function()
      vim.notify("dun tree-sitter: " .. problem, vim.log.levels.ERROR)
    end)
  else
    vim.api.nvim_create_autocmd("FileType", {
      pattern = "dun",
      callback = function(args)
        if vim.treesitter.start then -- 0.8 and later
          vim.treesitter.start(args.buf, "dun")
        else
          vim.treesitter.highlighter.new(vim.treesitter.get_parser(args.buf, "dun"))
        end
        if vim.treesitter.foldexpr then -- 0.10 and later
          vim.wo.foldmethod = "expr"
          vim.wo.foldexpr = "v:lua.vim.treesitter.foldexpr()"
          vim.wo.foldlevel = 99
        end
      end,
    })
  end
end
