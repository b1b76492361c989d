-- Code actions of the real server through vim.lsp.buf.code_action(): listed at once, resolved
-- by the model when picked. The random test model makes no edit and the server says why; the
-- trained test model (when built) writes the docstring. The same for :QwenDocs and on saving.
local T = dofile(vim.env.QWEN_LSP_REPO .. "/tests/editors/neovim/helper.lua")

local SOURCE =
  { "import math", "", "", "def circle_area(radius):", "    return math.pi * radius ** 2" }
local DOCSTRING, REFACTOR = "Add docstring with Qwen: circle_area", "Refactor with Qwen…"

local function lines()
  return vim.api.nvim_buf_get_lines(0, 0, -1, true)
end

T.run(function()
  local trained = vim.env.QWEN_TEST_TRAINED_MODEL
  -- The random model only needs to be quick.
  local settings = trained and { model = trained } or { actions = { maxTokens = 24 } }
  settings.docs = { onSave = true }
  T.setup({ settings = settings })
  vim.cmd("edit " .. T.write("geometry.py", table.concat(SOURCE, "\n") .. "\n"))
  local client = T.wait_ready()
  if not client.server_capabilities.codeActionProvider then
    T.skip("this server offers no code actions")
  end

  local offered
  local function pick(title)
    offered = nil
    vim.ui.select = function(items, opts, on_choice)
      offered = vim.tbl_map(opts.format_item, items)
      for i, item in ipairs(items) do
        if opts.format_item(item) == title then
          return on_choice(item, i)
        end
      end
    end
    vim.lsp.buf.code_action()
    T.wait("the code actions", function()
      return offered
    end)
    assert(vim.tbl_contains(offered, title), "no " .. title .. " in " .. vim.inspect(offered))
  end
  vim.api.nvim_win_set_cursor(0, { 5, 4 })
  pick(DOCSTRING)

  if trained then
    T.wait("the docstring", function()
      return table.concat(lines(), "\n"):find('"""', 1, true)
    end, 60000)
  else
    T.wait("the server's message", function()
      return vim.fn.execute("messages"):find("qwen-lsp: ", 1, true)
    end, 60000)
    T.eq(SOURCE, lines(), "buffer after the random model's answer")
  end

  -- Refactor… sends the instruction typed into vim.ui.input along with its command.
  local instruction = "use math.tau / 2"
  vim.ui.input = function(_, on_confirm)
    on_confirm(instruction)
  end
  local function model_calls()
    return require("qwen_lsp.lsp").request_sync(
      client,
      "workspace/executeCommand",
      { command = "qwen.stats" },
      2000
    ).result.model_calls
  end
  local calls, before = model_calls(), lines()
  vim.cmd("messages clear")
  pick(REFACTOR)
  if trained then
    T.wait("the refactoring", function()
      return not vim.deep_equal(before, lines())
    end, 60000)
  else
    T.wait("the server's message", function()
      return vim.fn.execute("messages"):find("qwen-lsp: ", 1, true)
    end, 60000)
    T.eq(SOURCE, lines(), "buffer after the random model's refactoring")
    assert(model_calls() > calls, "the server did not run the refactoring (no instruction?)")
  end

  -- :QwenDocs documents the whole buffer (as it was, undocumented) and says how it went.
  vim.cmd("edit!")
  calls = model_calls()
  vim.cmd("messages clear")
  vim.cmd("QwenDocs")
  T.wait(":QwenDocs's report", function()
    return vim.fn.execute("messages"):find("qwen_lsp: ", 1, true)
  end, 60000)
  assert(model_calls() > calls, ":QwenDocs asked the model nothing")
  if trained then
    assert(table.concat(lines(), "\n"):find('"""', 1, true), "no docstring from :QwenDocs")
  end

  -- Saving documents what changed (docs.onSave): here a new function.
  calls = model_calls()
  vim.api.nvim_buf_set_lines(
    0,
    -1,
    -1,
    true,
    { "", "", "def square(side):", "    return side * side" }
  )
  vim.cmd("write")
  T.wait("documentation on save", function()
    return model_calls() > calls
  end, 60000)
  if trained then
    T.wait("the docstring of square", function()
      return table.concat(lines(), "\n"):find('def square%(side%):\n%s+"""')
    end, 60000)
  end
  T.log("%s", vim.trim(vim.fn.execute("messages")))
end)
