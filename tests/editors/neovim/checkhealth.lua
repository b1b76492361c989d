-- :checkhealth qwen_lsp finds the server, the model and a ready worker, and reports no error;
-- :QwenStats shows the server's statistics; one server serves buffers of different projects.
local T = dofile(vim.env.QWEN_LSP_REPO .. "/tests/editors/neovim/helper.lua")

T.run(function()
  T.setup()
  vim.fn.mkdir(vim.env.QWEN_TEST_DIR .. "/.git", "p")
  vim.fn.mkdir(vim.env.QWEN_TEST_DIR .. "/pkg", "p")
  vim.cmd("edit " .. T.write("pkg/hello.py", "print('hello')\n"))
  local client = T.wait_ready()
  T.eq(vim.fn.resolve(vim.env.QWEN_TEST_DIR), vim.fn.resolve(client.config.root_dir), "root")

  -- One server for every buffer, whatever its project: the model is loaded once.
  vim.fn.mkdir(vim.env.QWEN_TEST_DIR .. "/other/.git", "p")
  vim.cmd("edit " .. T.write("other/main.lua", "print('hello')\n"))
  T.wait("the second buffer attached", function()
    return require("qwen_lsp.lsp").get_client(vim.api.nvim_get_current_buf())
  end)
  T.eq(client.id, require("qwen_lsp.lsp").get_client(0).id, "client of the second buffer")

  vim.cmd("checkhealth qwen_lsp")
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, true)
  local report = table.concat(lines, "\n")
  T.log("report:\n%s", report)
  local function ok_line(text)
    for _, line in ipairs(lines) do
      if line:find("OK", 1, true) and line:find(text, 1, true) then
        return true
      end
    end
  end
  for _, expected in ipairs({
    "server: " .. T.options().cmd[1],
    "model (settings.model): " .. vim.env.QWEN_LSP_MODEL,
    "server: running",
    "worker: ready",
  }) do
    assert(ok_line(expected), "no OK line with " .. expected)
  end
  assert(not report:find("ERROR") and not report:find("WARN"), "errors or warnings reported")

  vim.cmd("QwenStats")
  T.wait(":QwenStats in the messages", function()
    local messages = vim.fn.execute("messages")
    return messages:find("requests: %d+") and messages:find("worker.state: ready")
  end, 5000)
end)
