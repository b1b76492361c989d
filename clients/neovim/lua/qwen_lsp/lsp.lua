-- Starting the one qwen-lsp client of this Neovim and talking to it, across Neovim 0.7 – 0.12.
local config = require("qwen_lsp.config")

local M = {}

M.name = "qwen_lsp"

local has = function(version)
  return vim.fn.has("nvim-" .. version) == 1
end

-- Client methods became `client:method()` in 0.11, where the `client.method()` form warns.
local function call(client, method, ...)
  if has("0.11") then
    return client[method](client, ...)
  end
  return client[method](...)
end

function M.get_client(bufnr)
  local clients
  if vim.lsp.get_clients then
    clients = vim.lsp.get_clients({ name = M.name, bufnr = bufnr })
  else
    clients = vim.tbl_filter(function(c)
      return c.name == M.name
    end, bufnr and vim.lsp.buf_get_clients(bufnr) or vim.lsp.get_active_clients())
  end
  return clients[1]
end

function M.request(client, method, params, handler, bufnr)
  return call(client, "request", method, params, handler, bufnr)
end

function M.notify(client, method, params)
  return call(client, "notify", method, params)
end

function M.request_sync(client, method, params, timeout_ms, bufnr)
  return call(client, "request_sync", method, params, timeout_ms, bufnr)
end

function M.cancel_request(client, id)
  return call(client, "cancel_request", id)
end

function M.is_stopped(client)
  return call(client, "is_stopped")
end

function M.supports_inline_completion(client)
  return client.server_capabilities.inlineCompletionProvider ~= nil
end

local function find_root(bufnr)
  local path = vim.api.nvim_buf_get_name(bufnr)
  local dir = path ~= "" and vim.fn.fnamemodify(path, ":p:h") or vim.fn.getcwd()
  for _, marker in ipairs(config.options.root_markers) do
    local found = vim.fn.findfile(marker, dir .. ";")
    if found == "" then
      found = vim.fn.finddir(marker, dir .. ";")
    end
    if found ~= "" then
      -- The marker's directory; ":p" ends a directory's path with a slash.
      return vim.fn.fnamemodify((vim.fn.fnamemodify(found, ":p"):gsub("/$", "")), ":h")
    end
  end
  return dir
end

local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  -- Neovim < 0.12 does not announce inline completion; the plugin implements it.
  caps.textDocument.inlineCompletion = caps.textDocument.inlineCompletion
    or { dynamicRegistration = false }
  if not require("qwen_lsp.suggestion").native then -- ghost text drawn here: asked again here
    local grew = { qwenSuggestionGrew = true } -- `qwen/suggestionGrew`: suggestion.grew
    caps.experimental = vim.tbl_extend("force", caps.experimental or {}, grew)
  end
  return caps
end

local function on_attach(client, bufnr)
  require("qwen_lsp.suggestion").attach(client, bufnr)
  require("qwen_lsp.prewarm").attach(client, bufnr)
end

local function client_config(bufnr)
  local settings = config.options.settings
  return {
    name = M.name,
    cmd = config.cmd(),
    root_dir = find_root(bufnr),
    init_options = settings,
    settings = { qwen = settings },
    capabilities = capabilities(),
    handlers = {
      ["qwen/suggestionGrew"] = function(_, params)
        require("qwen_lsp.suggestion").grew(params)
      end,
    },
    on_attach = on_attach,
    commands = {
      ["qwen.refactor"] = function(...)
        require("qwen_lsp.commands").refactor(...)
      end,
    },
  }
end

local function attachable(bufnr)
  local filetypes = config.options.filetypes
  return vim.api.nvim_buf_is_loaded(bufnr)
    and vim.bo[bufnr].buftype == ""
    and vim.api.nvim_buf_get_name(bufnr) ~= ""
    and (filetypes == nil or vim.tbl_contains(filetypes, vim.bo[bufnr].filetype))
end

-- One server for every buffer: the model is loaded once per Neovim, not once per project.
local function reuse_client(client, conf)
  return client.name == conf.name and not M.is_stopped(client)
end

local client_id -- Neovim 0.7 only: the client started by start_client

local function attach(bufnr)
  if not attachable(bufnr) then
    return
  end
  if has("0.8") then
    vim.lsp.start(client_config(bufnr), { bufnr = bufnr, reuse_client = reuse_client })
    return
  end
  local client = client_id and vim.lsp.get_client_by_id(client_id)
  if not client or M.is_stopped(client) then
    client_id = vim.lsp.start_client(client_config(bufnr))
  end
  if client_id then
    vim.lsp.buf_attach_client(bufnr, client_id)
  end
end

function M.start()
  if has("0.11") then
    -- vim.lsp.enable attaches on FileType; a nil `filetypes` means every filetype.
    local conf = client_config(0)
    conf.root_dir = function(bufnr, on_dir)
      on_dir(find_root(bufnr))
    end
    conf.filetypes = config.options.filetypes
    conf.reuse_client = reuse_client
    vim.lsp.config(M.name, conf)
    vim.lsp.enable(M.name)
    return
  end
  local group = vim.api.nvim_create_augroup("qwen_lsp.attach", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    callback = function(args)
      attach(args.buf)
    end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    attach(bufnr)
  end
end

return M
