-- :checkhealth qwen_lsp — the server binary, the model setting and the worker's state.
local config = require("qwen_lsp.config")
local lsp = require("qwen_lsp.lsp")

local M = {}

-- Neovim 0.7 – 0.9 name these report_*; 0.7 has them only in the `health` module.
local health = vim.health or require("health")
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local info = health.info or health.report_info
local warn = health.warn or health.report_warn
local fail = health.error or health.report_error

local function check_neovim()
  local v = vim.version()
  local version = ("%d.%d.%d"):format(v.major, v.minor, v.patch)
  if require("qwen_lsp.suggestion").native then
    ok("Neovim " .. version .. ": native inline completion (vim.lsp.inline_completion)")
  else
    ok("Neovim " .. version .. ": ghost text drawn by qwen_lsp")
  end
end

local function check_binary()
  local cmd = config.cmd()
  local exe = vim.fn.exepath(cmd[1])
  if exe == "" then
    fail(("server `%s` not found"):format(cmd[1]), {
      "Install it from a qwen-lsp checkout: `make install` (gives .venv/bin/qwen-lsp), or `pip install /path/to/qwen-lsp`",
      "or pass its path: setup{ cmd = { '/path/to/qwen-lsp', '--stdio' } }",
    })
    return
  end
  local out = vim.fn.system({ exe, "--version" })
  if vim.v.shell_error ~= 0 then
    fail(("`%s --version` failed: %s"):format(exe, vim.trim(out)))
  else
    ok(("server: %s (%s)"):format(exe, vim.trim(out)))
  end
end

-- Where huggingface_hub keeps a downloaded repo.
-- Where huggingface_hub keeps a downloaded repo.
local function hf_cache_dir(repo)
  local cache = vim.env.XDG_CACHE_HOME or vim.fn.expand("~/.cache")
  local hub = vim.env.HF_HUB_CACHE or ((vim.env.HF_HOME or (cache .. "/huggingface")) .. "/hub")
  return ("%s/models--%s"):format(hub, (repo:gsub("/", "--")))
end

local function check_model()
  local model = config.options.settings.model
  local source = "settings.model"
  if not model or model == "" then
    model, source = vim.env.QWEN_LSP_MODEL, "$QWEN_LSP_MODEL"
  end
  if not model or model == "" then
    info("model: not set; the server uses its default (see :help qwen_lsp-model)")
    return
  end
  local local_path = model:match("^[/.~]") and vim.fn.expand(model)
  if not local_path then
    ok(("model (%s): %s, a Hugging Face repo id"):format(source, model))
    if vim.fn.isdirectory(hf_cache_dir(model)) == 0 then
      info("not downloaded yet: the server downloads it when it starts, which takes a while")
    end
  elseif vim.fn.filereadable(local_path .. "/config.json") == 1 then
    ok(("model (%s): %s"):format(source, local_path))
  else
    fail(("model (%s): %s is not a model directory (no config.json)"):format(source, local_path))
  end
end

local function check_worker()
  local client = lsp.get_client()
  if not client then
    warn("server: not running", { "It starts with the first file opened after setup{}" })
    return
  end
  ok(("server: running (client id %d)"):format(client.id))
  local response, err = lsp.request_sync(
    client,
    "workspace/executeCommand",
    { command = "qwen.stats", arguments = {} },
    3000
  )
  if not response or response.err then
    fail("qwen.stats failed: " .. tostring(err or response.err.message))
    return
  end
  local worker = response.result.worker
  local state = ("worker: %s, model %s"):format(worker.state, worker.model)
  if worker.state == "ready" then
    ok(state)
  elseif worker.state == "failed" then
    fail(state .. ": " .. tostring(worker.error), { "Fix `model` in setup{ settings = … }" })
  else
    info(state)
  end
  local stats = response.result
  info(
    ("requests %d, model calls %d, cache hits %d, cancelled %d"):format(
      stats.requests,
      stats.model_calls,
      stats.cache_hits,
      stats.cancelled
    )
  )
end

function M.check()
  start("qwen_lsp")
  check_neovim()
  check_binary()
  check_model()
  check_worker()
end

return M
