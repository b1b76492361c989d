-- Asking the server for a suggestion (textDocument/inlineCompletion), below Neovim 0.12: one
-- request per buffer at a time, a superseded one cancelled, an answer for a changed buffer
-- dropped; the answer is shown as ghost text and reported with the time the user waited.
--
-- Uses the buffer's state: { client, bufnr, seq (bumped when a request is superseded),
-- request_id, asked (tick, row and col of the last request), shown (see ghost_text) }.
local acceptance = require("qwen_lsp.acceptance")
local ghost_text = require("qwen_lsp.ghost_text")
local lsp = require("qwen_lsp.lsp")

local M = {}

local uv = vim.uv or vim.loop
local api = vim.api

M.INVOKED, M.AUTOMATIC = 1, 2 -- InlineCompletionTriggerKind

local function byte_col(line, character, encoding)
  if encoding == "utf-8" then
    return math.min(character, #line)
  end
  local ok, col
  if vim.fn.has("nvim-0.11") == 1 then
    ok, col = pcall(vim.str_byteindex, line, encoding, character, false)
  else
    ok, col = pcall(vim.str_byteindex, line, character, encoding == "utf-16")
  end
  return ok and col or #line
end

local function insert_text(item)
  local text = item.insertText
  if type(text) == "table" then
    -- A snippet: keep placeholder text, drop tab stops.
    text = text.value:gsub("%${%d+:([^}]*)}", "%1"):gsub("%$%d+", "")
  end
  return text
end

--- Stops the buffer's request: not yet sent, or on its way (its answer will be ignored).
function M.cancel(state)
  state.timer:stop()
  state.seq = state.seq + 1 -- a response already on its way is now stale
  if state.request_id and not lsp.is_stopped(state.client) then
    lsp.cancel_request(state.client, state.request_id)
  end
  state.request_id = nil
end

-- `since`: when the user began to wait (uv.hrtime(): the keystroke, or the explicit ask).
local function on_response(state, seq, tick, since, err, result)
  if seq ~= state.seq then
    return
  end
  state.request_id = nil
  local bufnr = state.bufnr
  if
    err
    or not result
    or api.nvim_get_mode().mode ~= "i"
    or api.nvim_get_current_buf() ~= bufnr
    or api.nvim_buf_get_changedtick(bufnr) ~= tick
  then
    return
  end
  local item = (result.items or result)[1]
  local text = item and insert_text(item)
  if not text or text == "" then
    return
  end
  local row, col = ghost_text.cursor()
  local line = api.nvim_get_current_line()
  local replace = 0
  if item.range then
    -- The item may restate what was typed before the cursor and replace text after it.
    local encoding = state.client.offset_encoding
    local start, stop = item.range.start, item.range["end"]
    if start.line ~= row or stop.line ~= row then
      return
    end
    local typed = line:sub(byte_col(line, start.character, encoding) + 1, col)
    if text:sub(1, #typed) ~= typed then
      return
    end
    text = text:sub(#typed + 1)
    replace = math.max(0, byte_col(line, stop.character, encoding) - col)
  end
  if text ~= "" then
    ghost_text.show(state, text, replace)
    -- `full`: the item's text, of which `text` is what is still to insert.
    state.shown.item, state.shown.full = item, insert_text(item)
    acceptance.shown(state.client, item, (uv.hrtime() - since) / 1e6)
  end
end

--- Asks for a suggestion at the cursor; `since` (uv.hrtime(), default now): when the user began
--- to wait.
function M.ask(state, trigger_kind, since)
  since = since or uv.hrtime()
  M.cancel(state)
  local client = state.client
  if lsp.is_stopped(client) then
    return
  end
  local bufnr = state.bufnr
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = trigger_kind }
  local seq, tick = state.seq, api.nvim_buf_get_changedtick(bufnr)
  local row, col = ghost_text.cursor()
  state.asked = { tick = tick, row = row, col = col } -- for `qwen/suggestionGrew`
  local ok, id = lsp.request(client, "textDocument/inlineCompletion", params, function(err, result)
    on_response(state, seq, tick, since, err, result)
  end, bufnr)
  state.request_id = ok and id or nil
end

--- True when the buffer's text, the cursor and Insert mode are as at the last request, and
--- `position` (an LSP position) is at the cursor.
function M.still_as_asked(state, position)
  local asked = state.asked
  if not asked then
    return false
  end
  local row, col = ghost_text.cursor()
  local line = api.nvim_get_current_line()
  return api.nvim_get_mode().mode == "i"
    and api.nvim_buf_get_changedtick(state.bufnr) == asked.tick
    and row == asked.row
    and col == asked.col
    and position.line == row
    and byte_col(line, position.character, state.client.offset_encoding) == col
end

return M
