-- Suggestion mechanics against the scripted fake_server.py: keys fall back when nothing is
-- shown, multi-line ghost text, typing through, accept word / line, dismiss, cancellation of a
-- superseded request, :QwenToggle, leaving and entering Insert mode, a server restart.
local T = dofile(vim.env.QWEN_LSP_REPO .. "/tests/editors/neovim/helper.lua")
local qwen = require("qwen_lsp")

local function lines()
  return vim.api.nvim_buf_get_lines(0, 0, -1, true)
end

T.run(function()
  -- The user's own mappings, of each kind, that qwen_lsp's keys must keep working.
  vim.keymap.set("i", "<C-]>", "[dismiss]")
  vim.keymap.set("i", "<M-Right>", function()
    return "[word]"
  end, { expr = true })
  vim.keymap.set("i", "<M-C-Right>", function()
    vim.api.nvim_put({ "[line]" }, "c", false, true)
  end)
  T.setup({
    cmd = { vim.env.QWEN_TEST_PYTHON, T.repo .. "/tests/editors/neovim/fake_server.py" },
    settings = {
      fake = {
        completions = { ["x = "] = "compute(alpha, beta)\nprint(x)", ["y = "] = "2", zz = "top" },
        delays_ms = { z = 400 },
      },
    },
  })
  vim.cmd("edit " .. T.write("keys.py", "\n"))
  local client = T.wait("the client to attach", function()
    return require("qwen_lsp.lsp").get_client(0)
  end)
  local function log()
    return require("qwen_lsp.lsp").request_sync(
      client,
      "workspace/executeCommand",
      { command = "fake.log" },
      2000
    ).result
  end
  local function requests()
    return vim.tbl_filter(function(entry)
      return entry.method == "textDocument/inlineCompletion"
    end, log())
  end

  -- Nothing shown: Tab inserts a tab, the other keys do what the user mapped them to.
  T.type("i<Tab><C-]><M-Right><M-C-Right>")
  T.wait("Tab and the user's mappings", function()
    return lines()[1] == "\t[dismiss][word][line]"
  end, 2000)
  T.type("<Esc>0Di")

  T.type("x = ")
  T.eq("compute(alpha, beta)\nprint(x)", T.wait("the suggestion", qwen.suggestion_text), "shown")
  T.wait("both ghost lines on screen", function()
    local below = T.screen()[vim.fn.screenpos(0, 1, 1).row + 1]
    return T.on_screen(1, "x = compute(alpha, beta)") and vim.startswith(below, "print(x) ")
  end, 2000)

  local asked = #requests()
  T.type("comp")
  T.wait("the suggestion to follow typing", function()
    return qwen.suggestion_text() == "ute(alpha, beta)\nprint(x)"
  end, 2000)
  T.sleep(200)
  T.eq(asked, #requests(), "requests after typing what the suggestion proposes")

  T.type("<M-Right>")
  T.wait("the next word accepted", function()
    return lines()[1] == "x = compute" and qwen.suggestion_text() == "(alpha, beta)\nprint(x)"
  end, 2000)
  T.type("<M-C-Right>")
  T.wait("the line accepted", function()
    return lines()[1] == "x = compute(alpha, beta)" and qwen.suggestion_text() == "\nprint(x)"
  end, 2000)
  T.type("<M-C-Right>")
  T.wait("the last line accepted", function()
    return vim.deep_equal(lines(), { "x = compute(alpha, beta)", "print(x)" })
  end, 2000)

  T.type("<CR>y = ")
  T.wait("the next suggestion", function()
    return qwen.suggestion_text() == "2"
  end)
  T.type("<C-]>")
  T.wait("the suggestion dismissed", function()
    return qwen.suggestion_text() == nil and T.on_screen(3, "y =")
  end, 2000)
  T.eq("y = ", lines()[3], "line after dismissing")

  -- "z" is answered slowly: typing on makes that request stale, so it is cancelled.
  T.type("<CR>z")
  local slow = T.wait("the slow request", function()
    local asked = requests()
    return asked[#asked].line == "z" and asked[#asked].id
  end, 2000)
  T.type("z")
  T.wait("the stale request cancelled", function()
    for _, entry in ipairs(log()) do
      if entry.method == "$/cancelRequest" and entry.id == slow then
        return true
      end
    end
  end, 2000)
  T.eq("top", T.wait("the suggestion for zz", qwen.suggestion_text), "suggestion after zz")
  T.sleep(500) -- the cancelled answer for "z" arrives meanwhile and must change nothing
  T.eq("top", qwen.suggestion_text(), "suggestion after the stale answer")

  vim.cmd("QwenToggle")
  asked = #requests()
  T.type("<CR>x = ")
  T.sleep(300)
  T.eq(nil, qwen.suggestion_text(), "suggestion while turned off")
  T.eq(asked, #requests(), "requests while turned off")
  vim.cmd("QwenToggle")
  T.type("<BS> ")
  T.wait("suggestions on again", qwen.suggestion_text)

  local row = vim.fn.line(".")
  T.type("<Esc>")
  T.wait("no ghost text in Normal mode", function()
    return qwen.suggestion_text() == nil and T.on_screen(row, "x =")
  end, 2000)
  T.type("A")
  T.wait("a suggestion on entering Insert mode", qwen.suggestion_text)

  -- A restarted server serves the buffer's suggestions.
  local lsp = require("qwen_lsp.lsp")
  T.type("<Esc>")
  vim.lsp.stop_client(client.id)
  T.wait("the server stopped", function()
    return lsp.is_stopped(client)
  end)
  vim.cmd("write | edit")
  T.wait("a new server", function()
    local new = lsp.get_client(0)
    return new and new.id ~= client.id
  end)
  T.type("A")
  T.wait("a suggestion from the new server", qwen.suggestion_text)
end)
