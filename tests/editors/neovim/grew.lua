-- A slow suggestion is answered with its text so far (completion.answerWithinMs); once the
-- whole one is ready the server says so (qwen/suggestionGrew) and the plugin asks again: the
-- ghost text grows to the whole suggestion without typing. The trained test model writes the
-- removed line back; answered at its first word, without speculation (which could draft the
-- whole line in one step).
local T = dofile(vim.env.QWEN_LSP_REPO .. "/tests/editors/neovim/helper.lua")
local qwen = require("qwen_lsp")

local EARLY = { completion = { answerWithinMs = 1 }, worker = { speculation = "off" } }

T.run(function()
  if not vim.env.QWEN_TEST_TRAINED_MODEL then
    T.skip("only the trained model's suggestion is known in advance")
  end
  local _, expected = T.trained_hole({ settings = EARLY })
  local seen = {}
  T.wait("the whole suggestion as ghost text, nothing typed", function()
    local text = qwen.suggestion_text()
    if text and text ~= seen[#seen] then
      seen[#seen + 1] = text
    end
    return text == expected
  end)
  T.log("ghost texts seen: %s", vim.inspect(seen))
  for _, text in ipairs(seen) do
    T.eq(true, vim.startswith(expected, text), "a ghost text on the way: " .. text)
  end
  local now = T.stats()
  T.log("stats: %s", vim.inspect({ now.model_calls, now.cache_hits, now.early_answers }))
  T.eq(true, now.early_answers >= 1, "answered early")
  T.eq(1, now.suggestions_grew, "told the whole suggestion was ready")
  T.eq(1, now.cache_hits, "the whole suggestion asked again, from the server's cache")
  T.eq("i", vim.api.nvim_get_mode().mode, "still in Insert mode")
end)
