-- In insert mode a suggestion shows as ghost text after the cursor, Tab inserts it, and the
-- saved file holds it. The trained test model (when built) knows tests/fixtures/corpus by
-- heart, so it must write a removed line back exactly; the random one suggests something, in
-- some places, which the scenario learns by asking the server first.
local T = dofile(vim.env.QWEN_LSP_REPO .. "/tests/editors/neovim/helper.lua")
local qwen = require("qwen_lsp")

-- calc.py, typed into until the random model suggests something.
local function random_setup()
  local path = T.write("calc.py", T.CALC_START)
  T.setup()
  vim.cmd("edit " .. path)
  local client = T.wait_ready()
  T.type("Go")
  local typed, expected = T.learn(client, T.CALC_CHUNKS)
  return path, expected, T.CALC_START .. typed .. expected .. "\n"
end

T.run(function()
  local path, expected, saved
  if vim.env.QWEN_TEST_TRAINED_MODEL then
    path, expected, saved = T.trained_hole()
  else
    path, expected, saved = random_setup()
  end
  local row = vim.api.nvim_win_get_cursor(0)[1]
  T.eq(expected, T.wait("the ghost text", qwen.suggestion_text), "suggestion")

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
  T.eq(saved, T.read(path), "saved file")
end)
