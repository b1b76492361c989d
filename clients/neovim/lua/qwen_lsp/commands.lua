-- :QwenStats, :QwenDocs, :QwenToggle and the client side of the server's commands.
local acceptance = require("qwen_lsp.acceptance")
local lsp = require("qwen_lsp.lsp")
local suggestion = require("qwen_lsp.suggestion")

local M = {}

local function notify(msg, level)
  vim.notify("qwen_lsp: " .. msg, level or vim.log.levels.INFO)
end

local function with_client(fn)
  local client = lsp.get_client(vim.api.nvim_get_current_buf()) or lsp.get_client()
  if not client then
    notify("the server is not running (open a file after setup{})", vim.log.levels.WARN)
    return
  end
  fn(client)
end

local function execute(client, command, arguments, on_result)
  lsp.request(
    client,
    "workspace/executeCommand",
    { command = command, arguments = arguments },
    function(err, result)
      if err then
        notify(command .. ": " .. err.message, vim.log.levels.ERROR)
      elseif on_result then
        on_result(result)
      end
    end,
    vim.api.nvim_get_current_buf()
  )
end

-- Flattens nested tables into sorted "a.b: value" lines.
local function format(tbl, prefix, out)
  out = out or {}
  local keys = vim.tbl_keys(tbl)
  table.sort(keys)
  for _, key in ipairs(keys) do
    local value = tbl[key]
    if type(value) == "table" then
      format(value, prefix .. key .. ".", out)
    elseif value ~= vim.NIL then
      table.insert(out, ("%s%s: %s"):format(prefix, key, tostring(value)))
    end
  end
  return out
end

--- Fetches the server's statistics and passes them to `on_result`, or shows them.
function M.stats(on_result)
  with_client(function(client)
    execute(client, "qwen.stats", {}, on_result or function(result)
      local lines = format(result, "")
      if type(result.acceptance) == "table" then
        table.insert(lines, 1, "suggestions: " .. acceptance.summary(result.acceptance))
      end
      notify("statistics\n" .. table.concat(lines, "\n"))
    end)
  end)
end

--- Writes documentation for the undocumented definitions of the current buffer.
function M.docs()
  with_client(function(client)
    local uri = vim.uri_from_bufnr(vim.api.nvim_get_current_buf())
    execute(client, "qwen.generateDocs", { uri }, function(result)
      notify(
        result.applied and ("documented %d definitions"):format(result.documented) or result.message
      )
    end)
  end)
end

--- Client side of the Refactor… code action: its command needs the user's instruction. (The
--- server reports the outcome itself.)
function M.refactor(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  vim.ui.input({ prompt = "Refactor (instruction): " }, function(instruction)
    if client and instruction and vim.trim(instruction) ~= "" then
      local data = vim.tbl_extend("force", command.arguments[1], { instruction = instruction })
      execute(client, command.command, { data })
    end
  end)
end

--- Turns suggestions off or on (`enable` nil: the other way round).
function M.toggle(enable)
  if enable == nil then
    enable = not suggestion.enabled
  end
  suggestion.set_enabled(enable)
  notify("suggestions " .. (enable and "on" or "off"))
end

function M.create()
  local command = vim.api.nvim_create_user_command
  command("QwenStats", function()
    M.stats()
  end, { desc = "Show qwen-lsp statistics" })
  command("QwenDocs", function()
    M.docs()
  end, { desc = "Document the current buffer's undocumented definitions" })
  command("QwenToggle", function()
    M.toggle()
  end, { desc = "Turn qwen-lsp suggestions on or off" })
end

return M
