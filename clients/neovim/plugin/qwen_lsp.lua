-- Commands exist before setup{} so that they can report that the server is not running.
if vim.g.loaded_qwen_lsp then
  return
end
vim.g.loaded_qwen_lsp = true

require("qwen_lsp.commands").create()
