-- rerank-lint for Neovim: one `setup()` for every version.
-- On 0.11+ it is `vim.lsp.config` + `vim.lsp.enable` over lsp/rerank_lint.lua; on 0.8-0.10,
-- which have neither, it calls `vim.lsp.start` from a FileType autocommand.
local M = {}

M.name = 'rerank_lint'
M.fix_all_kind = 'source.fixAll.rerank-lint'

local function has_native_config()
  return vim.fn.has('nvim-0.11') == 1 and vim.lsp.config ~= nil and vim.lsp.enable ~= nil
end

--- The defaults of lsp/rerank_lint.lua, read from the runtimepath so there is one copy.
function M.default_config()
  local file = vim.api.nvim_get_runtime_file('lsp/' .. M.name .. '.lua', false)[1]
  assert(file, 'rerank-lint: lsp/rerank_lint.lua is not on the runtimepath')
  return dofile(file)
end

--- The directory that holds the nearest root marker above `path`, else the file's directory.
function M.root_dir(path, markers)
  local start = vim.fs.dirname(path)
  local found = vim.fs.find(markers, { upward = true, path = start })[1]
  return found and vim.fs.dirname(found) or start
end

--- Starts (or attaches to) the server for one buffer the way 0.8-0.10 can.
function M.start(bufnr, config)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local path = vim.api.nvim_buf_get_name(bufnr)
  local start_config = vim.tbl_extend('force', {}, config, {
    name = M.name,
    root_dir = config.root_dir or M.root_dir(path ~= '' and path or vim.fn.getcwd() .. '/x', config.root_markers),
  })
  -- Keys that `vim.lsp.start` does not know about.
  start_config.root_markers, start_config.filetypes = nil, nil
  return vim.lsp.start(start_config, { bufnr = bufnr })
end

--- opts: any field of lsp/rerank_lint.lua (cmd, init_options, ...);
--- `legacy = true` uses the 0.8-0.10 path even on 0.11 (for tests and odd setups).
function M.setup(opts)
  opts = opts or {}
  local legacy = opts.legacy
  opts.legacy = nil
  if has_native_config() and not legacy then
    vim.lsp.config(M.name, opts)
    vim.lsp.enable(M.name)
    return
  end
  local config = vim.tbl_deep_extend('force', M.default_config(), opts)
  local group = vim.api.nvim_create_augroup('rerank_lint', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = config.filetypes,
    callback = function(args)
      M.start(args.buf, config)
    end,
  })
  -- Buffers that were opened before setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype) then
      M.start(bufnr, config)
    end
  end
end

local function client_for(bufnr)
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients -- renamed in 0.10
  return get({ bufnr = bufnr, name = M.name })[1]
end

--- Applies the server's "fix all safe problems" to the buffer (the CLI's `--fix`).
--- Returns true when there was something to fix.
function M.fix_all(bufnr, timeout_ms)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = client_for(bufnr)
  if client == nil then
    vim.notify('rerank-lint: no server attached to this buffer', vim.log.levels.WARN)
    return false
  end
  local last = vim.api.nvim_buf_line_count(bufnr)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = last, character = 0 } },
    context = { diagnostics = {}, only = { M.fix_all_kind } },
  }
  -- buf_request_sync has the same signature from 0.8 to 0.11 (client methods changed to `:`).
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, timeout_ms or 5000) or {}
  local response = responses[client.id]
  for _, action in ipairs((response and response.result) or {}) do
    if action.kind == M.fix_all_kind and action.edit then
      vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
      return true
    end
  end
  return false
end

return M
