-- The plugin reports what the user does with a suggestion, and the real server counts it: a word
-- accepted (<M-Right>) is a partial acceptance of that many UTF-16 units, the rest of the line
-- (<M-C-Right>) completes it, a suggestion left on screen is shown but not accepted; :QwenStats
-- shows the rates. With the trained model the accepted line is the corpus line it learned.
local T = dofile(vim.env.QWEN_LSP_REPO .. "/tests/editors/neovim/helper.lua")
local qwen = require("qwen_lsp")

local function first_word(text)
  return text:match("^%s*[%w_]+") or text:match("^%s*[^%w_%s]+") or text
end

local function stats()
  return T.stats().acceptance
end

local function random_setup()
  local path = T.write("calc.py", T.CALC_START)
  T.setup({ settings = { completion = { multiline = "never" } } })
  vim.cmd("edit " .. path)
  local client = T.wait_ready()
  T.type("Go")
  T.learn(client, T.CALC_CHUNKS, function(suggestion)
    return #first_word(suggestion) < #suggestion -- a word, then more
  end)
  return path
end

T.run(function()
  local path, source
  if vim.env.QWEN_TEST_TRAINED_MODEL then
    local _
    path, _, source = T.trained_hole()
  else
    path = random_setup()
  end
  local text = T.wait("the ghost text", qwen.suggestion_text)
  T.log("suggestion %q", text)
  local units = require("qwen_lsp.acceptance").utf16_len
  local shown = T.wait("the suggestion reported shown", function()
    local figures = stats()
    return figures.shown == 1 and figures
  end)
  T.eq(units(text), shown.shown_chars, "characters shown")
  -- The plugin timed it from the keystroke: qwen.stats shows that beside its own latency.
  local felt = T.wait("the felt latency reported", function()
    local f = T.stats().felt_latency_ms
    return f.answers == 1 and f
  end)
  T.log("felt %s ms, the server's %s ms", felt.client.p50, felt.server.p50)
  T.eq(true, felt.client.p50 > 0 and felt.server.p50 > 0, "both figures")
  -- What the editor waited holds what the server saw (20 ms: the stamps' own slack at load).
  T.eq(true, felt.client.p50 + 20 >= felt.server.p50, "client's >= server's")

  local word = first_word(text)
  T.type("<M-Right>")
  local partly = T.wait("the word reported", function()
    local figures = stats()
    return figures.partly_accepted == 1 and figures
  end)
  T.eq(units(word), partly.kept_chars, "characters kept after a word")
  T.eq(0, partly.accepted, "accepted after a word")
  T.eq(1, partly.acceptance_rate, "rate after a word")

  local whole_line = not text:find("\n")
  T.type("<M-C-Right>")
  local after = T.wait("the line reported", function()
    local figures = stats()
    return figures.kept_chars > partly.kept_chars and figures
  end)
  if whole_line then
    T.eq(1, after.accepted, "accepted after the rest of the line")
    T.eq(0, after.partly_accepted, "partly accepted after the rest of the line")
    T.eq(units(text), after.kept_chars, "characters kept")
  end
  T.eq(1, after.last_hour.shown, "shown in the last hour")
  T.eq("python", next(after.by_language), "language")

  -- :QwenStats shows the rates.
  local messages = {}
  local notify = vim.notify
  vim.notify = function(msg, ...)
    table.insert(messages, msg)
    return notify(msg, ...)
  end
  vim.cmd("QwenStats")
  local shown_stats = T.wait(":QwenStats", function()
    return messages[1]
  end, 5000)
  vim.notify = notify
  assert(
    shown_stats:find("suggestions: 1 shown, ", 1, true) and shown_stats:find("rate 100%", 1, true),
    ":QwenStats: " .. shown_stats
  )

  T.type("<Esc>:write<CR>")
  T.wait("the file written", function()
    return not vim.bo.modified
  end, 2000)
  if source then
    T.eq(source, T.read(path), "saved file")
  end
end)
