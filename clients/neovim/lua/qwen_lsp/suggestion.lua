-- Inline suggestions (ghost text) from textDocument/inlineCompletion.
--
-- Neovim >= 0.12 renders them itself (vim.lsp.inline_completion); below that this module asks
-- on each change (the server waits completion.debounceMs itself, only before the model),
-- cancels superseded requests, draws the ghost text with extmarks and inserts it on accept. A
-- suggestion follows the user while they type what it proposes.
local acceptance = require("qwen_lsp.acceptance")
local config = require("qwen_lsp.config")
local lsp = require("qwen_lsp.lsp")

local M = {}

local uv = vim.uv or vim.loop
local api = vim.api
local ns = api.nvim_create_namespace("qwen_lsp.suggestion")
-- (Early 0.12 nightlies had the module without enable(): draw the ghost text there too.)
local native = vim.lsp.inline_completion ~= nil and vim.lsp.inline_completion.enable ~= nil
M.native = native
local has_inline_virt_text = vim.fn.has("nvim-0.10") == 1

local TRIGGER_INVOKED, TRIGGER_AUTOMATIC = 1, 2

M.enabled = true

-- Per buffer: { client, timer, request_id, seq, shown }. `shown` is the suggestion on screen:
-- { row, col (byte, 0-based, where the ghost starts), text (still to insert), prefix and
-- suffix (the line around it), replace (bytes after the cursor that accepting replaces) }.
local buffers = {}

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

local function clear(state)
  state.shown = nil
  if api.nvim_buf_is_valid(state.bufnr) then
    api.nvim_buf_clear_namespace(state.bufnr, ns, 0, -1)
  end
end

local function cancel(state)
  state.timer:stop()
  state.seq = state.seq + 1 -- a response already on its way is now stale
  if state.request_id and not lsp.is_stopped(state.client) then
    lsp.cancel_request(state.client, state.request_id)
  end
  state.request_id = nil
end

local function render(state)
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

local function cursor()
  local pos = api.nvim_win_get_cursor(0)
  return pos[1] - 1, pos[2]
end

-- Shows `text` as ghost text at the cursor; `replace` bytes after the cursor will be replaced.
local function show(state, text, replace)
  local row, col = cursor()
  local line = api.nvim_get_current_line()
  state.shown = {
    row = row,
    col = col,
    text = text,
    prefix = line:sub(1, col),
    suffix = line:sub(col + 1),
    replace = replace,
  }
  render(state)
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
  local row, col = cursor()
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
    show(state, text, replace)
    -- `full`: the item's text, of which `text` is what is still to insert.
    state.shown.item, state.shown.full = item, insert_text(item)
    acceptance.shown(state.client, item, (uv.hrtime() - since) / 1e6)
  end
end

local function request(state, trigger_kind, since)
  since = since or uv.hrtime()
  cancel(state)
  local client = state.client
  if lsp.is_stopped(client) then
    return
  end
  local bufnr = state.bufnr
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = trigger_kind }
  local seq, tick = state.seq, api.nvim_buf_get_changedtick(bufnr)
  local row, col = cursor()
  state.asked = { tick = tick, row = row, col = col } -- for `qwen/suggestionGrew` (M.grew)
  local ok, id = lsp.request(client, "textDocument/inlineCompletion", params, function(err, result)
    on_response(state, seq, tick, since, err, result)
  end, bufnr)
  state.request_id = ok and id or nil
end

-- On entering Insert mode, and after the cursor moved or the text changed: keep the suggestion
-- if the user typed (or accepted) the start of it, else ask again.
local function on_change(state)
  local since = uv.hrtime() -- the keystroke: the user waits from here
  local s = state.shown
  if s then
    local row, col = cursor()
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
      render(state)
      return
    end
    clear(state)
  end
  if not M.enabled then
    return
  end
  cancel(state)
  -- On the next turn of the loop: a keystroke's TextChangedI and CursorMovedI ask once.
  state.timer:start(
    0,
    0,
    vim.schedule_wrap(function()
      -- Not over the completion menu: both would offer text at the cursor.
      if
        api.nvim_get_current_buf() == state.bufnr
        and api.nvim_get_mode().mode == "i"
        and vim.fn.pumvisible() == 0
      then
        request(state, TRIGGER_AUTOMATIC, since)
      end
    end)
  )
end

local function current()
  local state = buffers[api.nvim_get_current_buf()]
  if state and state.shown and api.nvim_buf_is_valid(state.bufnr) then
    return state
  end
end

-- Inserts `part` (a prefix of the suggestion) at the cursor; the rest stays on screen.
local function insert(state, part)
  local s = state.shown
  local whole = part == s.text
  local lines = vim.split(part, "\n", { plain = true })
  local row, col = cursor()
  api.nvim_buf_set_text(state.bufnr, row, col, row, col + (whole and s.replace or 0), lines)
  local end_row = row + #lines - 1
  local end_col = (#lines == 1 and col or 0) + #lines[#lines]
  api.nvim_win_set_cursor(0, { end_row + 1, end_col })
  if whole then
    clear(state)
    acceptance.accepted(state.client, s.item, state.bufnr)
    return
  end
  local line = api.nvim_get_current_line()
  s.row, s.col, s.text = end_row, end_col, s.text:sub(#part + 1)
  s.prefix, s.suffix = line:sub(1, end_col), line:sub(end_col + 1)
  render(state)
  acceptance.partly_accepted(state.client, s.item, s.full:sub(1, #s.full - #s.text))
end

local function native_enable(bufnr, enable)
  vim.lsp.inline_completion.enable(enable, { bufnr = bufnr })
end

function M.attach(client, bufnr)
  if not config.options.suggestion.enabled or not lsp.supports_inline_completion(client) then
    return
  end
  if buffers[bufnr] then
    buffers[bufnr].client = client -- a restarted server
    return
  end
  local state = { client = client, bufnr = bufnr, seq = 0 }
  buffers[bufnr] = state
  local group = api.nvim_create_augroup("qwen_lsp.suggestion." .. bufnr, { clear = true })
  api.nvim_create_autocmd("BufWipeout", {
    group = group,
    buffer = bufnr,
    callback = function()
      if state.timer then
        cancel(state)
        state.timer:close()
      end
      buffers[bufnr] = nil
      api.nvim_del_augroup_by_id(group)
    end,
  })
  if native then
    native_enable(bufnr, M.enabled)
    return
  end
  state.timer = uv.new_timer()
  api.nvim_create_autocmd({ "InsertEnter", "TextChangedI", "CursorMovedI" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      on_change(state)
    end,
  })
  api.nvim_create_autocmd({ "InsertLeave", "BufLeave" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      cancel(state)
      clear(state)
    end,
  })
end

--- The text the suggestion at the cursor would still insert, or nil when none is shown.
function M.text()
  local state = current()
  return state and state.shown.text
end

--- Accepts the whole suggestion; false when none is shown.
function M.accept()
  if native then
    return vim.lsp.inline_completion.get()
  end
  local state = current()
  if not state then
    return false
  end
  insert(state, state.shown.text)
  return true
end

--- Accepts the suggestion up to the end of its current line (or its next line).
function M.accept_line()
  local state = not native and current()
  if not state then
    return false
  end
  local text = state.shown.text
  insert(state, text:match("^\n?[^\n]*"))
  return true
end

--- Accepts the suggestion's next word (with the spaces or line break before it).
function M.accept_word()
  local state = not native and current()
  if not state then
    return false
  end
  local text = state.shown.text
  insert(state, text:match("^%s*[%w_]+") or text:match("^%s*[^%w_%s]+") or text)
  return true
end

--- Hides the suggestion; false when none is shown.
function M.dismiss()
  local state = not native and current()
  if not state then
    return false
  end
  cancel(state)
  clear(state)
  return true
end

--- Asks for a suggestion now (the server skips its wait before the model for it).
function M.trigger()
  if native then
    vim.lsp.inline_completion.get()
    return true
  end
  local state = buffers[api.nvim_get_current_buf()]
  if not state or not M.enabled then
    return false
  end
  clear(state)
  request(state, TRIGGER_INVOKED)
  return true
end

--- `qwen/suggestionGrew` (the whole suggestion after an early answer is ready): asks again
--- when the buffer, its text, the cursor and Insert mode are as at the last request.
function M.grew(params)
  local bufnr = api.nvim_get_current_buf()
  local state, where = buffers[bufnr], params.position
  local asked = state and not native and M.enabled and state.asked
  if not asked or vim.uri_from_bufnr(bufnr) ~= params.textDocument.uri then
    return
  end
  local row, col = cursor()
  if
    api.nvim_get_mode().mode == "i"
    and api.nvim_buf_get_changedtick(bufnr) == asked.tick
    and row == asked.row
    and col == asked.col
    and where.line == row
    and byte_col(api.nvim_get_current_line(), where.character, state.client.offset_encoding) == col
  then
    request(state, TRIGGER_INVOKED)
  end
end

--- Turns suggestions on or off in every buffer.
function M.set_enabled(enable)
  M.enabled = enable
  for bufnr, state in pairs(buffers) do
    if native then
      native_enable(bufnr, enable)
    elseif not enable then
      cancel(state)
      clear(state)
    end
  end
end

return M
