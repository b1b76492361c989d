-- Inline suggestions (ghost text) from textDocument/inlineCompletion.
--
-- Neovim >= 0.12 renders them itself (vim.lsp.inline_completion); below that this module asks
-- on each change (suggestion_request: the server waits completion.debounceMs itself, only before
-- the model), draws the answer as ghost text (ghost_text) and inserts it on accept. A suggestion
-- follows the user while they type what it proposes.
local acceptance = require("qwen_lsp.acceptance")
local config = require("qwen_lsp.config")
local ghost_text = require("qwen_lsp.ghost_text")
local lsp = require("qwen_lsp.lsp")
local request = require("qwen_lsp.suggestion_request")

local M = {}

local uv = vim.uv or vim.loop
local api = vim.api
-- (Early 0.12 nightlies had the module without enable(): draw the ghost text there too.)
local native = vim.lsp.inline_completion ~= nil and vim.lsp.inline_completion.enable ~= nil
M.native = native

M.enabled = true

-- Per buffer: { client, bufnr, timer, seq, request_id, asked, shown } (see suggestion_request
-- and ghost_text).
local buffers = {}

-- On entering Insert mode, and after the cursor moved or the text changed: keep the suggestion
-- if the user typed (or accepted) the start of it, else ask again.
local function on_change(state)
  local since = uv.hrtime() -- the keystroke: the user waits from here
  if ghost_text.follow(state) or not M.enabled then
    return
  end
  request.cancel(state)
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
        request.ask(state, request.AUTOMATIC, since)
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

-- Inserts `part` (a prefix of the suggestion) at the cursor and tells the server how much of
-- the suggestion is now taken.
local function take(state, part)
  local s = state.shown
  if ghost_text.insert(state, part) then
    acceptance.accepted(state.client, s.item, state.bufnr)
  else
    acceptance.partly_accepted(state.client, s.item, s.full:sub(1, #s.full - #s.text))
  end
end

local function hide(state)
  request.cancel(state)
  ghost_text.clear(state)
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
        request.cancel(state)
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
      hide(state)
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
  take(state, state.shown.text)
  return true
end

--- Accepts the suggestion up to the end of its current line (or its next line).
function M.accept_line()
  local state = not native and current()
  if not state then
    return false
  end
  local text = state.shown.text
  take(state, text:match("^\n?[^\n]*"))
  return true
end

--- Accepts the suggestion's next word (with the spaces or line break before it).
function M.accept_word()
  local state = not native and current()
  if not state then
    return false
  end
  local text = state.shown.text
  take(state, text:match("^%s*[%w_]+") or text:match("^%s*[^%w_%s]+") or text)
  return true
end

--- Hides the suggestion; false when none is shown.
function M.dismiss()
  local state = not native and current()
  if not state then
    return false
  end
  hide(state)
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
  ghost_text.clear(state)
  request.ask(state, request.INVOKED)
  return true
end

--- `qwen/suggestionGrew` (the whole suggestion after an early answer is ready): asks again
--- when the buffer, its text, the cursor and Insert mode are as at the last request.
function M.grew(params)
  local bufnr = api.nvim_get_current_buf()
  local state = buffers[bufnr]
  if
    state
    and not native
    and M.enabled
    and vim.uri_from_bufnr(bufnr) == params.textDocument.uri
    and request.still_as_asked(state, params.position)
  then
    request.ask(state, request.INVOKED)
  end
end

--- Turns suggestions on or off in every buffer.
function M.set_enabled(enable)
  M.enabled = enable
  for bufnr, state in pairs(buffers) do
    if native then
      native_enable(bufnr, enable)
    elseif not enable then
      hide(state)
    end
  end
end

return M
