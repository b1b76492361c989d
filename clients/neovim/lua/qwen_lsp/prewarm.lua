-- Tells the server which buffer is in front and where its cursor is (`qwen/didFocus`), so it can
-- prefill that buffer's prompt into the model's KV cache before the first keystroke: on attach,
-- on entering the buffer, and when the cursor, moved in Normal mode, rests REST_MS on another
-- line (as the VS Code extension does; CursorHold waits 'updatetime', 4 s unless set lower).
local lsp = require("qwen_lsp.lsp")

local M = {}

local api = vim.api
local REST_MS = 300
local last = {} -- bufnr → the line last reported
local moves = {} -- bufnr → cursor moves so far: a rest timer reports only the latest

local function focus(client, bufnr)
  if api.nvim_get_current_buf() ~= bufnr or lsp.is_stopped(client) then
    return
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  if last[bufnr] == params.position.line then
    return -- the same line: the server's cache has it already
  end
  last[bufnr] = params.position.line
  lsp.notify(client, "qwen/didFocus", params)
end

function M.attach(client, bufnr)
  local group = api.nvim_create_augroup("qwen_lsp.prewarm." .. bufnr, { clear = true })
  api.nvim_create_autocmd("BufEnter", {
    group = group,
    buffer = bufnr,
    callback = function()
      -- Scheduled: the buffer's last cursor position is restored after BufEnter.
      vim.schedule(function()
        focus(client, bufnr)
      end)
    end,
  })
  api.nvim_create_autocmd("BufLeave", {
    group = group,
    buffer = bufnr,
    callback = function()
      last[bufnr] = nil -- on coming back, say so again: other buffers used the model meanwhile
    end,
  })
  api.nvim_create_autocmd("CursorMoved", { -- normal mode: typing keeps the cache warm itself
    group = group,
    buffer = bufnr,
    callback = function()
      local move = (moves[bufnr] or 0) + 1
      moves[bufnr] = move
      vim.defer_fn(function()
        if moves[bufnr] == move then
          focus(client, bufnr)
        end
      end, REST_MS)
    end,
  })
  api.nvim_create_autocmd("CursorHold", {
    group = group,
    buffer = bufnr,
    callback = function()
      focus(client, bufnr)
    end,
  })
  api.nvim_create_autocmd("BufWipeout", {
    group = group,
    buffer = bufnr,
    callback = function()
      last[bufnr], moves[bufnr] = nil, nil
      api.nvim_del_augroup_by_id(group)
    end,
  })
  focus(client, bufnr)
end

return M
