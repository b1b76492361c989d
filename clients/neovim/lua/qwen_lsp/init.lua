-- qwen_lsp: Qwen3-Coder completions, code actions and docs from the qwen-lsp language server.
-- See :help qwen_lsp.
local commands = require("qwen_lsp.commands")
local suggestion = require("qwen_lsp.suggestion")

local M = {}

local function highlight()
  vim.cmd("highlight default link QwenGhostText Comment")
end

--- Starts qwen-lsp for file buffers and maps the suggestion keys; see :help qwen_lsp-setup.
function M.setup(opts)
  local config = require("qwen_lsp.config")
  config.set(opts)
  local server = config.cmd()[1]
  if vim.fn.executable(server) == 0 then
    -- Neovim 0.11 skips a missing server silently.
    vim.notify(
      ("qwen_lsp: server `%s` not found; see :checkhealth qwen_lsp"):format(server),
      vim.log.levels.WARN
    )
  end
  highlight()
  -- A colorscheme clears every group it does not define.
  vim.api.nvim_create_autocmd("ColorScheme", {
    group = vim.api.nvim_create_augroup("qwen_lsp.highlight", { clear = true }),
    callback = highlight,
  })
  commands.create() -- plugin/ did too, unless the runtimepath was extended after startup
  require("qwen_lsp.keymaps").set()
  require("qwen_lsp.lsp").start()
end

M.accept = suggestion.accept
M.accept_word = suggestion.accept_word
M.accept_line = suggestion.accept_line
M.dismiss = suggestion.dismiss
M.trigger = suggestion.trigger
M.suggestion_text = suggestion.text
M.stats = commands.stats
M.docs = commands.docs
M.toggle = commands.toggle

return M
