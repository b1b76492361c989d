-- Shared by the scenarios (run by test_neovim.py): loads the plugin, runs a scenario as a
-- coroutine on Neovim's event loop so that typed keys, timers and LSP messages all happen for
-- real, and exits 0 on success or 1 with the reason, the screen and the messages.
local T = {}

local uv = vim.uv or vim.loop
local repo = assert(vim.env.QWEN_LSP_REPO, "QWEN_LSP_REPO is not set")

vim.opt.runtimepath:prepend(repo .. "/clients/neovim")
vim.cmd("runtime! plugin/qwen_lsp.lua")
vim.cmd("filetype on")

T.repo = repo
T.nvim = ("%d.%d.%d"):format(vim.version().major, vim.version().minor, vim.version().patch)

local started = uv.now()

function T.log(fmt, ...)
  local prefix = ("[nvim %s %5.2fs] "):format(T.nvim, (uv.now() - started) / 1000)
  io.stderr:write((prefix .. fmt .. "\n"):format(...))
end

local co
local SKIP = "qwen_lsp test skipped: "

local function step(...)
  if coroutine.status(co) == "dead" then
    return -- a timer of a scenario that has ended already, on its way out
  end
  local ok, err = coroutine.resume(co, ...)
  if not ok and tostring(err):find(SKIP, 1, true) then
    T.log("%s", err)
    vim.cmd("cquit 77")
  elseif not ok then
    T.log("FAIL: %s", debug.traceback(co, err))
    T.log("screen:\n%s", table.concat(T.screen(), "\n"):gsub(" +\n", "\n"))
    T.log("messages:\n%s", vim.fn.execute("messages"))
    vim.cmd("cquit 1")
  elseif coroutine.status(co) == "dead" then
    T.log("ok")
    vim.cmd("qall!")
  end
end

--- Runs `scenario` once Neovim has started; it fails when it raises or takes over `timeout_ms`
--- (90 s by default: test_neovim.py gives up on Neovim at 120 s).
function T.run(scenario, timeout_ms)
  timeout_ms = timeout_ms or 90000
  co = coroutine.create(scenario)
  vim.api.nvim_create_autocmd("VimEnter", {
    once = true,
    callback = function()
      vim.schedule(step)
    end,
  })
  vim.defer_fn(function()
    if coroutine.status(co) ~= "dead" then
      step(error, ("scenario still running after %d ms"):format(timeout_ms))
    end
  end, timeout_ms)
end

--- Ends the scenario as skipped (exit code 77), saying why.
function T.skip(reason)
  error(SKIP .. reason, 0)
end

--- Lets the event loop run for `ms` (inside a scenario).
function T.sleep(ms)
  vim.defer_fn(step, ms)
  local raise, message = coroutine.yield()
  if raise then
    raise(message, 0)
  end
end

--- Waits until `cond()` returns a true value and returns it; `what` names it on timeout.
function T.wait(what, cond, timeout_ms)
  local deadline = uv.now() + (timeout_ms or 15000)
  while true do
    local value = cond()
    if value then
      return value
    end
    if uv.now() > deadline then
      error(("timed out after %d ms waiting for %s"):format(timeout_ms or 15000, what), 2)
    end
    T.sleep(20)
  end
end

function T.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(
      ("%s:\n  expected %s\n  got      %s"):format(what, vim.inspect(expected), vim.inspect(actual)),
      2
    )
  end
end

--- Types `keys` (Neovim key notation) as a person would.
function T.type(keys)
  vim.api.nvim_input(keys)
  T.sleep(10)
end

--- The screen's rows after a full redraw.
function T.screen()
  vim.cmd("redraw!")
  local rows = {}
  for row = 1, vim.o.lines do
    local cells = {}
    for col = 1, vim.o.columns do
      cells[col] = vim.fn.screenstring(row, col)
    end
    rows[row] = table.concat(cells)
  end
  return rows
end

--- Whether the screen shows `text` for buffer line `lnum` of the current window (rows of a
--- wrapped line joined, trailing blanks ignored).
function T.on_screen(lnum, text)
  if vim.fn.has("nvim-0.10") == 0 then
    -- Ghost text is an overlay there, cut at the window's edge rather than wrapped.
    text = vim.fn.strcharpart(text, 0, vim.api.nvim_win_get_width(0))
  end
  local rows = T.screen()
  local first = vim.fn.screenpos(0, lnum, 1).row
  local count = math.max(1, math.ceil(vim.fn.strdisplaywidth(text) / vim.o.columns))
  local shown = table.concat(rows, "", first, first + count - 1):gsub("%s+$", "")
  return shown == text:gsub("%s+$", "")
end

--- The setup{} options for the server and model of this checkout; whole suggestions
--- (answerWithinMs 0): an early answer would depend on the machine's load.
function T.options()
  return {
    cmd = { vim.env.QWEN_TEST_SERVER or (repo .. "/.venv/bin/qwen-lsp"), "--stdio" },
    settings = { model = vim.env.QWEN_LSP_MODEL, completion = { answerWithinMs = 0 } },
  }
end

--- qwen_lsp.setup{} with T.options() merged with `opts`.
function T.setup(opts)
  require("qwen_lsp").setup(vim.tbl_deep_extend("force", T.options(), opts or {}))
end

--- Waits for the qwen_lsp client of the current buffer and for its model to be loaded.
function T.wait_ready()
  local lsp = require("qwen_lsp.lsp")
  local client = T.wait("the qwen_lsp client to attach", function()
    return lsp.get_client(vim.api.nvim_get_current_buf())
  end)
  T.log("client attached")
  local state, asking
  T.wait("the model worker to be ready", function()
    if not asking then
      asking = true
      require("qwen_lsp").stats(function(stats)
        state, asking = stats.worker.state, false
      end)
    end
    if state == "failed" then
      error("the model worker failed to load")
    end
    return state == "ready"
  end, 60000)
  T.log("model loaded")
  return client
end

--- The server's `qwen.stats`.
function T.stats()
  local result
  require("qwen_lsp").stats(function(r)
    result = r
  end)
  return T.wait("qwen.stats", function()
    return result
  end, 5000)
end

--- What the server itself suggests at the cursor (the text after the cursor).
function T.ask(client)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = 1 }
  local response = require("qwen_lsp.lsp").request_sync(
    client,
    "textDocument/inlineCompletion",
    params,
    15000,
    vim.api.nvim_get_current_buf()
  )
  assert(response and not response.err, "inlineCompletion failed: " .. vim.inspect(response))
  local item = (response.result.items or response.result)[1]
  return item and item.insertText
end

--- calc.py's start, and what the random-weight scenarios type into it, chunk by chunk, until the
--- server suggests something (T.learn).
T.CALC_START = "def add(a, b):\n    return a + b\n\n\n"
T.CALC_CHUNKS = {
  "def mul(a, b):",
  "\n    return a",
  " * b",
  "\n\n\nclass Point:",
  "\n    def __init__(self, x, y):",
  "\n        self.x = x",
  "\n        self.y = ",
  "y\n\n    def norm(self):",
  "\n        return (self.x ** 2 + self.y ** 2) ** 0.5",
  "\n\n\nif __name__ == ",
  "\"__main__\":",
  "\n    print(",
}

--- Types `chunks` one after the other (suggestions off) until the server suggests something
--- (the random test model is silent in most places), then retypes the last character with
--- suggestions on, so that the plugin asks the same. Returns what was typed and the suggestion.
--- `wanted(suggestion)`, when given, must hold too.
function T.learn(client, chunks, wanted)
  local qwen = require("qwen_lsp")
  vim.bo.autoindent = false -- the chunks carry their own indentation
  qwen.toggle(false)
  local typed = ""
  for _, chunk in ipairs(chunks) do
    T.type((chunk:gsub("<", "<lt>"):gsub("\n", "<CR>")))
    typed = typed .. chunk
    local expected = T.ask(client)
    if expected and (not wanted or wanted(expected)) then
      T.log("after %q the server suggests %q", typed, expected)
      qwen.toggle(true)
      T.type("<BS>" .. typed:sub(-1):gsub("<", "<lt>"))
      return typed, expected
    end
  end
  error("the server suggests nothing after " .. vim.inspect(typed))
end

--- temperature.py with the code of one line removed, opened with the trained model, the cursor
--- in the hole (Insert mode), `opts` merged into setup{}. Returns its path, the removed code
--- and the whole file.
function T.trained_hole(opts)
  local source = T.read(T.repo .. "/tests/fixtures/corpus/temperature.py")
  local indent, expected = "    ", "return celsius * 9 / 5 + 32"
  local hole = assert(source:find(indent .. expected, 1, true), "corpus changed")
  local path = T.write(
    "temperature.py",
    source:sub(1, hole - 1) .. indent .. source:sub(hole + #indent + #expected)
  )
  local trained = { settings = { model = vim.env.QWEN_TEST_TRAINED_MODEL } }
  T.setup(vim.tbl_deep_extend("force", trained, opts or {}))
  vim.cmd("edit " .. path)
  T.wait_ready()
  vim.api.nvim_win_set_cursor(0, { select(2, source:sub(1, hole):gsub("\n", "")) + 1, 0 })
  T.type("A")
  return path, expected, source
end

--- Writes `text` to `name` in the scenario's workspace and returns its path.
function T.write(name, text)
  local path = vim.env.QWEN_TEST_DIR .. "/" .. name
  local file = assert(io.open(path, "w"))
  file:write(text)
  file:close()
  return path
end

function T.read(path)
  local file = assert(io.open(path))
  local text = file:read("*a")
  file:close()
  return text
end

return T
