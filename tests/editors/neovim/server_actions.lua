-- Code actions of the real server through vim.lsp.buf.code_action(): listed at once, resolved
-- by the model when picked; then :QwenDocs and documentation on save. The trained test model
-- knows the actions on tests/fixtures/corpus/wordcount.py and makes their edits; the random
-- one makes none and the server says why.
local T = dofile(vim.env.QWEN_LSP_REPO .. "/tests/editors/neovim/helper.lua")

local DOCSTRING = "Add docstring with Qwen: top_words"
local REFACTOR = "Refactor with Qwen…"

local function lines()
  return vim.api.nvim_buf_get_lines(0, 0, -1, true)
end

local function text()
  return table.concat(lines(), "\n")
end

T.run(function()
  local trained = vim.env.QWEN_TEST_TRAINED_MODEL
  -- Greedy actions with the trained model (the same request gives the same edit every run);
  -- the random model only needs to be quick.
  local settings = trained and { model = trained, actions = { temperature = 0 } }
    or { actions = { maxTokens = 24 } }
  settings.docs = { onSave = true }
  T.setup({ settings = settings })
  local source = T.read(T.repo .. "/tests/fixtures/corpus/wordcount.py")
  vim.cmd("edit " .. T.write("wordcount.py", source))
  local client = T.wait_ready()
  if not client.server_capabilities.codeActionProvider then
    T.skip("this server offers no code actions")
  end
  local function model_calls()
    local stats = require("qwen_lsp.lsp").request_sync(
      client,
      "workspace/executeCommand",
      { command = "qwen.stats" },
      2000
    )
    return stats.result.model_calls
  end
  -- The server's verdict: an edit from the trained model, a message from the random one.
  local function message()
    return vim.fn.execute("messages"):match("qwen%-lsp: [^\n]*")
  end
  local function outcome(what, done)
    if trained then
      T.wait(what, function()
        assert(not message(), "the trained model made no edit: " .. tostring(message()))
        return done()
      end, 30000)
    else
      T.wait("the server's message", message, 30000)
      T.eq(source, text() .. "\n", "buffer after the random model's answer")
    end
  end

  local offered
  local function pick(title)
    offered = nil
    vim.cmd("messages clear")
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
  vim.api.nvim_win_set_cursor(0, { vim.fn.search("^def words") + 1, 4 })

  -- Refactor… sends the instruction typed into vim.ui.input along with its command.
  vim.ui.input = function(_, on_confirm)
    on_confirm("simplify this")
  end
  -- The trained model's refactoring may rewrite a line as it was: an applied edit still moves
  -- the buffer's changedtick.
  local calls, tick = model_calls(), vim.b.changedtick
  pick(REFACTOR)
  outcome("the refactoring", function()
    return vim.b.changedtick > tick
  end)
  assert(model_calls() > calls, "the server did not run the refactoring (no instruction?)")

  -- Add docstring: the trained model documents the function in place, inside its body.
  local def = vim.fn.search("^def top_words")
  vim.api.nvim_win_set_cursor(0, { def + 1, 4 })
  pick(DOCSTRING)
  outcome("the docstring", function()
    return lines()[def + 1] == '    """Top words."""'
  end)

  -- :QwenDocs documents the whole buffer (as it was, undocumented) and says how it went.
  vim.cmd("edit!")
  calls = model_calls()
  vim.cmd("messages clear")
  vim.cmd("QwenDocs")
  T.wait(":QwenDocs's report", function()
    return vim.fn.execute("messages"):find("qwen_lsp: ", 1, true)
  end, 30000)
  assert(model_calls() > calls, ":QwenDocs asked the model nothing")

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
  end, 30000)
  T.log("%s", vim.trim(vim.fn.execute("messages")))
end)
