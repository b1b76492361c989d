-- qwen_lsp: Qwen3-Coder completions, code actions and docs from the qwen-lsp language server.
-- See :help qwen_lsp.
local M = {}

--- Starts qwen-lsp for file buffers and maps the suggestion keys; see :help qwen_lsp-setup.
function M.setup(opts)
  require("qwen_lsp.config").set(opts)
  local function highlight()
    vim.cmd("highlight default link QwenGhostText Comment")
  end
  highlight()
  -- A colorscheme clears every group it does not define.
  vim.api.nvim_create_autocmd("ColorScheme", {
    group = vim.api.nvim_create_augroup("qwen_lsp.highlight", { clear = true }),
    callback = highlight,
  })
  require("qwen_lsp.keymaps").set()
  require("qwen_lsp.lsp").start()
end

local suggestion = require("qwen_lsp.suggestion")
local commands = require("qwen_lsp.commands")

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
