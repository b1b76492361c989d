-- Pre-warm: the plugin names the buffer in front and its cursor line (`qwen/didFocus`) when a
-- buffer is attached or entered and when the cursor rests (300 ms) on another line; not twice
-- in a row.
local T = dofile(vim.env.QWEN_LSP_REPO .. "/tests/editors/neovim/helper.lua")

T.run(function()
  T.setup({ cmd = { vim.env.QWEN_TEST_PYTHON, T.repo .. "/tests/editors/neovim/fake_server.py" } })
  local first = T.write("first.py", "a = 1\nb = 2\nc = 3\n")
  vim.cmd("edit " .. first)
  local client = T.wait("the client to attach", function()
    return require("qwen_lsp.lsp").get_client(0)
  end)
  local function focused()
    local log = require("qwen_lsp.lsp").request_sync(
      client,
      "workspace/executeCommand",
      { command = "fake.log" },
      2000
    ).result
    local out = {}
    for _, entry in ipairs(log) do
      if entry.method == "qwen/didFocus" then
        table.insert(out, vim.fn.fnamemodify(vim.uri_to_fname(entry.uri), ":t") .. ":" .. entry.line)
      end
    end
    return table.concat(out, " ")
  end

  T.wait("the attached buffer's cursor", function()
    return focused() == "first.py:0"
  end, 5000)
  -- A move in Normal mode is named once the cursor has rested 300 ms: a line passed on the
  -- way is not ('updatetime', CursorHold's wait, stays at its 4 s default here).
  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  vim.cmd("doautocmd CursorMoved")
  vim.api.nvim_win_set_cursor(0, { 3, 0 })
  vim.cmd("doautocmd CursorMoved")
  T.wait("the line the cursor rests on", function()
    return focused() == "first.py:0 first.py:2"
  end, 2000)
  vim.cmd("doautocmd CursorHold") -- the same line again: nothing new
  vim.cmd("doautocmd CursorMoved")
  T.sleep(600)
  T.eq("first.py:0 first.py:2", focused(), "the same line again")
  vim.cmd("edit " .. T.write("second.py", "x = 1\n"))
  T.wait("the buffer entered", function()
    return focused() == "first.py:0 first.py:2 second.py:0"
  end, 5000)
  vim.cmd("buffer " .. vim.fn.bufnr(first)) -- back to the first: its line is named again
  local line = vim.api.nvim_win_get_cursor(0)[1] - 1
  T.sleep(1000)
  T.eq("first.py:0 first.py:2 second.py:0 first.py:" .. line, focused(), "the buffer entered again")
end)
