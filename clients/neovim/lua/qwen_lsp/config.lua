-- Options of require("qwen_lsp").setup{} and their defaults (documented in :help qwen_lsp-setup).
local M = {}

M.defaults = {
  -- Server command; nil finds `qwen-lsp` on $PATH.
  cmd = nil,
  -- Server settings (the camelCase `qwen` section of the README), sent as initializationOptions
  -- and answered to workspace/configuration.
  settings = {},
  -- Filetypes to attach to; nil: every file buffer that has a filetype.
  filetypes = nil,
  -- Files or directories marking the workspace root of the first buffer (one server per Neovim).
  root_markers = { ".git" },
  suggestion = {
    enabled = true,
    hl_group = "QwenGhostText",
  },
  -- Insert-mode keys; false disables one. Each falls back to the key's previous mapping (or
  -- the key itself) when no suggestion is shown.
  keys = {
    accept = "<Tab>",
    accept_word = "<M-Right>",
    accept_line = "<M-C-Right>",
    dismiss = "<C-]>",
    trigger = "<M-\\>",
  },
}

M.options = vim.deepcopy(M.defaults)

function M.set(opts)
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  return M.options
end

function M.cmd()
  return M.options.cmd or { "qwen-lsp", "--stdio" }
end

return M
