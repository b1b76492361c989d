-- At the end of a line the suggestion is the next line: Neovim shows it as a virtual line below
-- the cursor's line, Tab inserts it there (indented) and leaves the cursor at its end. The
-- trained test model knows tests/fixtures/corpus: with a line of temperature.py removed, at the
-- end of the line above it, it writes the removed line back.
local T = dofile(vim.env.QWEN_LSP_REPO .. "/tests/editors/neovim/helper.lua")
local qwen = require("qwen_lsp")

T.run(function()
  local trained = vim.env.QWEN_TEST_TRAINED_MODEL
  if not trained then
    T.skip("the trained test model is not built") -- test_neovim.py provides it
  end
  local source = T.read(T.repo .. "/tests/fixtures/corpus/temperature.py")
  local above = "    window: int = 5"
  local removed = "    values: list[float] = field(default_factory=list)"
  local at = assert(source:find(above .. "\n" .. removed .. "\n", 1, true), "corpus changed")
  local rest = source:sub(at + #above + #removed + 2)
  local path = T.write("temperature.py", source:sub(1, at - 1) .. above .. "\n" .. rest)
  T.setup({ settings = { model = trained } })
  vim.cmd("edit " .. path)
  T.wait_ready()
  local row = select(2, source:sub(1, at):gsub("\n", "")) + 1
  vim.api.nvim_win_set_cursor(0, { row, 0 })
  T.type("A") -- Insert mode at the end of `window: int = 5`

  T.eq("\n" .. removed, T.wait("the ghost text", qwen.suggestion_text), "suggestion")
  T.wait("the next line shown below the cursor's line", function()
    local below = T.screen()[vim.fn.screenpos(0, row, 1).row + 1]
    return T.on_screen(row, above) and below:gsub("%s+$", "") == removed
  end, 2000)

  T.type("<Tab>")
  T.wait("the next line inserted", function()
    return table.concat(vim.api.nvim_buf_get_lines(0, row - 1, row + 1, true), "\n")
      == above .. "\n" .. removed
  end, 2000)
  T.eq({ row + 1, #removed }, vim.api.nvim_win_get_cursor(0), "cursor at the new line's end")
  T.type("<Esc>:write<CR>")
  T.wait("the file written", function()
    return not vim.bo.modified
  end, 2000)
  T.eq(source, T.read(path), "saved file")
end)
