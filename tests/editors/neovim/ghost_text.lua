-- In insert mode a suggestion shows as ghost text after the cursor, Tab inserts it, and the
-- saved file holds it.
local T = dofile(vim.env.QWEN_LSP_REPO .. "/tests/editors/neovim/helper.lua")
local qwen = require("qwen_lsp")

T.run(function()
  T.setup()
  local path = T.write("calc.py", "def add(a, b):\n    return a + b\n\n\n")
  vim.cmd("edit " .. path)
  local client = T.wait_ready()

  T.type("Gode")
  -- The random test model is silent in most places: offer it many.
  local typed, expected = T.learn(client, {
    "f mul(a, b):",
    "\n    return a",
    " * b",
    "\n\n\nclass Point:",
    "\n    def __init__(self, x, y):",
    "\n        self.x = x",
    "\n        self.y = ",
    "y\n\n    def norm(self):",
    "\n        return (self.x ** 2 + self.y ** 2) ** 0.5",
    "\n\n\nif __name__ == ",
  })
  local row = vim.api.nvim_win_get_cursor(0)[1]
  local shown = T.wait("the ghost text", qwen.suggestion_text)
  T.eq(expected, shown, "suggestion")

  local line = vim.api.nvim_get_current_line()
  local first = vim.split(expected, "\n", { plain = true })[1]
  T.wait("the ghost text on screen", function()
    return T.on_screen(row, line .. first)
  end, 2000)

  T.type("<Tab>")
  T.wait("the suggestion inserted", function()
    local text = table.concat(vim.api.nvim_buf_get_lines(0, row - 1, -1, true), "\n")
    return vim.startswith(text, line .. expected)
  end, 2000)
  T.type("<Esc>:write<CR>")
  T.wait("the file written", function()
    return not vim.bo.modified
  end, 2000)
  T.eq("de" .. typed .. expected .. "\n", T.read(path):match("de[^\n]*mul.*"), "saved text")
end)
