-- What a user with a broken set-up sees: a warning, :checkhealth naming the missing server and
-- model, :QwenStats saying the server is not running; editing works, and so does :help.
local T = dofile(vim.env.QWEN_LSP_REPO .. "/tests/editors/neovim/helper.lua")

T.run(function()
  T.setup({
    cmd = { "/nonexistent/qwen-lsp", "--stdio" },
    settings = { model = "/nonexistent/model" },
  })

  vim.cmd("checkhealth qwen_lsp")
  local report = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, true), "\n")
  T.log("report:\n%s", report)
  for _, expected in ipairs({
    "ERROR.-server `/nonexistent/qwen%-lsp` not found",
    "ERROR.-/nonexistent/model is not a model directory",
    "WARN.-server: not running",
  }) do
    assert(report:find(expected), "no match for " .. expected)
  end

  -- Opening a file tries to start the missing server: Neovim says so, and editing goes on.
  vim.cmd("edit " .. T.write("hello.py", "print('hello')\n"))
  T.type("ohello<Esc>")
  T.wait("the edit", function()
    return vim.api.nvim_buf_get_lines(0, 1, 2, true)[1] == "hello"
  end, 2000)
  local messages = vim.fn.execute("messages")
  assert(messages:find("server `/nonexistent/qwen-lsp` not found", 1, true), "no warning")

  -- A repo id not downloaded yet is fine, but worth saying.
  T.setup({
    cmd = { "/nonexistent/qwen-lsp", "--stdio" },
    settings = { model = "mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit" },
  })
  vim.cmd("checkhealth qwen_lsp")
  report = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, true), "\n")
  assert(report:find("OK.-Qwen3%-Coder%-30B%-A3B%-Instruct%-4bit, a Hugging Face repo id"), report)
  assert(report:find("not downloaded yet", 1, true), report)

  vim.cmd("QwenStats")
  assert(vim.fn.execute("messages"):find("the server is not running"), ":QwenStats message")

  local doc = vim.env.QWEN_TEST_DIR .. "/doc"
  vim.fn.mkdir(doc)
  vim.fn.writefile(
    vim.fn.readfile(T.repo .. "/clients/neovim/doc/qwen_lsp.txt"),
    doc .. "/qwen_lsp.txt"
  )
  vim.cmd("helptags " .. doc)
  vim.opt.runtimepath:append(vim.env.QWEN_TEST_DIR)
  for _, tag in ipairs({
    "qwen_lsp",
    "qwen_lsp-setup",
    "qwen_lsp-keys",
    ":QwenStats",
    ":QwenDocs",
    ":QwenToggle",
    "qwen_lsp-health",
  }) do
    vim.cmd("help " .. tag)
    T.eq("qwen_lsp.txt", vim.fn.expand("%:t"), ":help " .. tag)
  end
end)
