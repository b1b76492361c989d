-- Tells the server what the user did with its suggestions, in Copilot's protocol: the item's
-- own command on accept, textDocument/didShowCompletion (with our feltMs), and
-- textDocument/didPartiallyAcceptCompletion with the UTF-16 length from the start of the item's
-- text to the end of what is accepted. The server keeps the figures (:QwenStats shows them).
local lsp = require("qwen_lsp.lsp")

local M = {}

--- Length of UTF-8 `text` in UTF-16 code units (characters past U+FFFF take two).
function M.utf16_len(text)
  local n = 0
  for char in text:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
    n = n + (#char == 4 and 2 or 1)
  end
  return n
end

local function notify(client, method, params)
  if not lsp.is_stopped(client) then
    lsp.notify(client, method, params)
  end
end

--- `item` (as the server sent it) is now on screen, `felt_ms` after the keystroke that asked
--- for it (ours: qwen.stats shows it beside the server's latency of that answer).
function M.shown(client, item, felt_ms)
  notify(client, "textDocument/didShowCompletion", { item = item, feltMs = felt_ms })
end

--- `accepted`: the item's text from its start to the end of what the user has taken so far.
function M.partly_accepted(client, item, accepted)
  local params = { item = item, acceptedLength = M.utf16_len(accepted) }
  notify(client, "textDocument/didPartiallyAcceptCompletion", params)
end

--- The whole item was accepted: run its command, as LSP asks of a client.
function M.accepted(client, item, bufnr)
  local command = item.command
  if type(command) == "table" and not lsp.is_stopped(client) then
    local params = { command = command.command, arguments = command.arguments }
    lsp.request(client, "workspace/executeCommand", params, function() end, bufnr)
  end
end

--- "3 shown, 1 accepted, 1 partly (kept 20 of 45 characters), rate 67%; last hour: …".
function M.summary(figures)
  local function line(f)
    return ("%d shown, %d accepted, %d partly (kept %d of %d characters), rate %d%%"):format(
      f.shown,
      f.accepted,
      f.partly_accepted,
      f.kept_chars,
      f.shown_chars,
      math.floor(100 * f.acceptance_rate + 0.5)
    )
  end
  return line(figures) .. "; last hour: " .. line(figures.last_hour)
end

return M
