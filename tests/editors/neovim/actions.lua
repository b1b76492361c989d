-- Code actions through vim.lsp.buf.code_action() against the scripted fake_server.py: an
-- action resolved into an edit, and Refactor…, whose instruction qwen_lsp asks with vim.ui.input.
local T = dofile(vim.env.QWEN_LSP_REPO .. "/tests/editors/neovim/helper.lua")

local function lines()
  return vim.api.nvim_buf_get_lines(0, 0, -1, true)
end

-- Picks the action titled `title` in whatever list Neovim offers.
local function choose(title)
  vim.ui.select = function(items, opts, on_choice)
    for i, item in ipairs(items) do
      if opts.format_item(item) == title then
        return on_choice(item, i)
      end
    end
    error("no code action " .. title)
  end
end

T.run(function()
  T.setup({ cmd = { vim.env.QWEN_TEST_PYTHON, T.repo .. "/tests/editors/neovim/fake_server.py" } })
  vim.cmd("edit " .. T.write("area.py", "def area(r):\n    return 3.14 * r * r\n"))
  T.wait("the client to attach", function()
    return require("qwen_lsp.lsp").get_client(0)
  end)

  choose("Add docstring")
  vim.lsp.buf.code_action()
  T.wait("the docstring inserted", function()
    return lines()[2] == '    """Fake docstring."""'
  end, 5000)

  local asked
  vim.ui.input = function(opts, on_confirm)
    asked = opts.prompt
    on_confirm("use radius")
  end
  choose("Refactor…")
  vim.lsp.buf.code_action()
  T.wait("the refactoring applied", function()
    return lines()[1] == "# use radius"
  end, 5000)
  T.eq("Refactor (instruction): ", asked, "prompt")
  T.eq(
    { "# use radius", "def area(r):", '    """Fake docstring."""', "    return 3.14 * r * r" },
    lines(),
    "buffer"
  )
end)
