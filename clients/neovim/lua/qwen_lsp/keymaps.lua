-- Insert-mode keys that act on a shown suggestion and otherwise do what they did before.
local config = require("qwen_lsp.config")
local suggestion = require("qwen_lsp.suggestion")

local M = {}

local DESC = "qwen_lsp: "

local function feed(keys, remap)
  keys = vim.api.nvim_replace_termcodes(keys, true, false, true)
  -- "i": ahead of keys typed meanwhile, as if the key had been mapped this way all along.
  vim.api.nvim_feedkeys(keys, (remap and "m" or "n") .. "i", false)
end

local function same_key(a, b)
  local codes = vim.api.nvim_replace_termcodes
  return codes(a, true, true, true) == codes(b, true, true, true)
end

-- What `lhs` did before qwen_lsp mapped it: its earlier global insert-mode mapping, or the key
-- itself. (nvim_get_keymap, not maparg: maparg gives 0.7's Lua callbacks as numbers.)
local function fallback(lhs)
  local map
  for _, m in ipairs(vim.api.nvim_get_keymap("i")) do
    if same_key(m.lhs, lhs) and (m.desc or ""):sub(1, #DESC) ~= DESC then
      map = m
    end
  end
  if not map then
    return function()
      feed(lhs, false)
    end
  end
  local remap = map.noremap == 0
  return function()
    if map.callback and map.expr == 1 then
      feed(map.callback() or "", remap)
    elseif map.callback then
      map.callback()
    elseif map.expr == 1 then
      feed(vim.api.nvim_eval(map.rhs), remap)
    else
      feed(map.rhs, remap)
    end
  end
end

local actions = {
  accept = { suggestion.accept, "accept the suggestion" },
  accept_word = { suggestion.accept_word, "accept the next word of the suggestion" },
  accept_line = { suggestion.accept_line, "accept the next line of the suggestion" },
  dismiss = { suggestion.dismiss, "dismiss the suggestion" },
  trigger = { suggestion.trigger, "ask for a suggestion" },
}

function M.set()
  for name, lhs in pairs(config.options.keys) do
    local action = actions[name]
    if lhs and action then
      local otherwise = fallback(lhs)
      vim.keymap.set("i", lhs, function()
        if not action[1]() then
          otherwise()
        end
      end, { silent = true, desc = DESC .. action[2] })
    end
  end
end

return M
