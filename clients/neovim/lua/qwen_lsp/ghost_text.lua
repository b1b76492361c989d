-- The suggestion on screen, below Neovim 0.12: drawn as ghost text with extmarks, kept while
-- the user types what it proposes, and inserted (whole or in part) on accept.
--
-- `state.shown` is the suggestion on screen: { row, col (byte, 0-based, where the ghost starts),
-- text (still to insert), prefix and suffix (the line around it), replace (bytes after the cursor
-- that accepting replaces), item and full (the item and its whole text) }.
local config = require("qwen_lsp.config")

local M = {}

local api = vim.api
local ns = api.nvim_create_namespace("qwen_lsp.suggestion")
local has_inline_virt_text = vim.fn.has("nvim-0.10") == 1

--- The cursor of the current window: row and byte column, both 0-based.
function M.cursor()
  local pos = api.nvim_win_get_cursor(0)
  return pos[1] - 1, pos[2]
end

local function draw(state)
  local s = state.shown
  api.nvim_buf_clear_namespace(state.bufnr, ns, 0, -1)
  local hl = config.options.suggestion.hl_group
  local lines = vim.split(s.text, "\n", { plain = true })
  local kept = s.suffix:sub(s.replace + 1)
  local opts = {}
  if has_inline_virt_text and #lines == 1 and s.replace == 0 then
    opts.virt_text = { { lines[1], hl } }
    opts.virt_text_pos = "inline"
  else
    -- Overlay draws over the rest of the line, so repeat what stays of it after the ghost text
    -- (or after its last line) and blank out what would otherwise show through.
    local first = { { lines[1], hl } }
    if #lines == 1 then
      table.insert(first, { kept, "Normal" })
    end
    local drawn = vim.fn.strdisplaywidth(lines[1] .. (#lines == 1 and kept or ""))
    local hidden = vim.fn.strdisplaywidth(s.suffix)
    if hidden > drawn then
      table.insert(first, { string.rep(" ", hidden - drawn), "Normal" })
    end
    opts.virt_text = first
    opts.virt_text_pos = "overlay"
  end
  if #lines > 1 then
    opts.virt_lines = {}
    for i = 2, #lines do
      opts.virt_lines[i - 1] = { { lines[i], hl } }
    end
    table.insert(opts.virt_lines[#opts.virt_lines], { kept, "Normal" })
  end
  opts.hl_mode = "combine"
  api.nvim_buf_set_extmark(state.bufnr, ns, s.row, s.col, opts)
end

--- Shows `text` as ghost text at the cursor; `replace` bytes after the cursor will be replaced.
function M.show(state, text, replace)
  local row, col = M.cursor()
  local line = api.nvim_get_current_line()
  state.shown = {
    row = row,
    col = col,
    text = text,
    prefix = line:sub(1, col),
    suffix = line:sub(col + 1),
    replace = replace,
  }
  draw(state)
end

function M.clear(state)
  state.shown = nil
  if api.nvim_buf_is_valid(state.bufnr) then
    api.nvim_buf_clear_namespace(state.bufnr, ns, 0, -1)
  end
end

--- After the cursor moved or the text changed: keeps the rest of the suggestion on screen when
--- the user typed (or accepted) the start of it and returns true, else hides it.
function M.follow(state)
  local s = state.shown
  if not s then
    return false
  end
  local row, col = M.cursor()
  local line = api.nvim_get_current_line()
  local typed = line:sub(s.col + 1, col)
  if
    row == s.row
    and col >= s.col
    and line:sub(1, s.col) == s.prefix
    and line:sub(col + 1) == s.suffix
    and s.text:sub(1, #typed) == typed
    and #typed < #s.text
  then
    s.text, s.col, s.prefix = s.text:sub(#typed + 1), col, line:sub(1, col)
    draw(state)
    return true
  end
  M.clear(state)
  return false
end

--- Inserts `part` (a prefix of the suggestion) at the cursor; the rest stays on screen. Returns
--- true when `part` was the whole suggestion (then nothing stays).
function M.insert(state, part)
  local s = state.shown
  local whole = part == s.text
  local lines = vim.split(part, "\n", { plain = true })
  local row, col = M.cursor()
  api.nvim_buf_set_text(state.bufnr, row, col, row, col + (whole and s.replace or 0), lines)
  local end_row = row + #lines - 1
  local end_col = (#lines == 1 and col or 0) + #lines[#lines]
  api.nvim_win_set_cursor(0, { end_row + 1, end_col })
  if whole then
    M.clear(state)
    return true
  end
  local line = api.nvim_get_current_line()
  s.row, s.col, s.text = end_row, end_col, s.text:sub(#part + 1)
  s.prefix, s.suffix = line:sub(1, end_col), line:sub(end_col + 1)
  draw(state)
  return false
end

return M
