-- Headless end-to-end test of the plugin against the real `rerank-lint server`, run by
-- tests/editors/test_neovim.py. Environment:
--   RERANK_LINT_TEST_MODE  "enable" (0.11's vim.lsp.enable) or "legacy" (the 0.8-0.10 path)
--   RERANK_LINT_TEST_CMD   the server command, a JSON array
--   RERANK_LINT_TEST_FILE  the bad dataset to open
-- Exits 0 when every check passed, 1 with the reason on stderr otherwise.

local TIMEOUT_MS = 30000
local mode = assert(os.getenv('RERANK_LINT_TEST_MODE'))
local cmd = vim.json.decode(assert(os.getenv('RERANK_LINT_TEST_CMD')))
local file = assert(os.getenv('RERANK_LINT_TEST_FILE'))

local function fail(message)
  io.stderr:write('FAIL: ' .. message .. '\n')
  vim.cmd('cquit 1')
end

local function check(condition, message)
  if not condition then
    fail(message)
  end
end

local function wait_for(what, predicate)
  check(vim.wait(TIMEOUT_MS, predicate, 50), 'timed out waiting for ' .. what)
end

local function codes_of(diagnostics)
  local codes = {}
  for _, d in ipairs(diagnostics) do
    codes[#codes + 1] = d.code
  end
  table.sort(codes)
  return codes
end

local function run()
  local rerank_lint = require('rerank_lint')
  rerank_lint.setup({ cmd = cmd, legacy = mode == 'legacy' })
  vim.cmd.edit(vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  check(vim.bo[buf].filetype == 'jsonl', 'filetype is ' .. vim.bo[buf].filetype .. ', not jsonl')

  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  wait_for('the server to attach', function()
    return #get_clients({ bufnr = buf, name = 'rerank_lint' }) == 1
  end)
  wait_for('diagnostics', function()
    return #vim.diagnostic.get(buf) > 0
  end)

  -- The bad record is line 0: a <b>…</b> pair (two RL202) and a repeated hard negative (RL406).
  local line = vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1]
  local html = vim.tbl_filter(function(d)
    return d.code == 'RL202'
  end, vim.diagnostic.get(buf))
  io.stderr:write('diagnostics: ' .. table.concat(codes_of(vim.diagnostic.get(buf)), ' ') .. '\n')
  check(#html == 2, 'expected two RL202, got ' .. #html)
  table.sort(html, function(a, b)
    return a.col < b.col
  end)
  -- vim.diagnostic columns are 0-based byte columns; the line is ASCII.
  check(html[1].lnum == 0 and html[1].col == line:find('<b>', 1, true) - 1, 'RL202 <b> at ' .. html[1].lnum .. ':' .. html[1].col)
  check(html[2].lnum == 0 and html[2].col == line:find('</b>', 1, true) - 1, 'RL202 </b> at ' .. html[2].lnum .. ':' .. html[2].col)
  check(html[1].source == 'rerank-lint', 'source is ' .. tostring(html[1].source))
  check(#vim.tbl_filter(function(d) return d.code == 'RL406' and d.lnum == 0 end, vim.diagnostic.get(buf)) == 1,
    'expected RL406 on line 0')

  -- The quick fix for the first tag, as `vim.lsp.buf.code_action()` would request it.
  local client = get_clients({ bufnr = buf, name = 'rerank_lint' })[1]
  local first = html[1]
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = 0, character = first.col }, ['end'] = { line = 0, character = first.end_col } },
    context = { diagnostics = { first.user_data.lsp }, only = { 'quickfix' } },
  }
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, TIMEOUT_MS) or {}
  local actions = (responses[client.id] or {}).result or {}
  local fix
  for _, action in ipairs(actions) do
    if action.edit and action.title:find('RL202', 1, true) and action.isPreferred then
      fix = fix or action
    end
  end
  check(fix ~= nil, 'no preferred RL202 quick fix among ' .. #actions .. ' actions')
  vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding)
  line = vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1]
  check(line:find('"BM25</b> ranks documents"', 1, true) ~= nil, 'after the quick fix: ' .. line)

  -- The server sees the edit and drops that diagnostic.
  wait_for('one RL202 left', function()
    return #vim.tbl_filter(function(d) return d.code == 'RL202' end, vim.diagnostic.get(buf)) == 1
  end)

  -- Fix all: the other tag and the repeated negative, as `rerank-lint check --fix` would.
  check(rerank_lint.fix_all(buf, TIMEOUT_MS), 'fix all found nothing to fix')
  line = vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1]
  check(line:find('"BM25 ranks documents"', 1, true) ~= nil, 'after fix all: ' .. line)
  check(vim.json.decode(line).hard_negatives ~= nil, 'fix all left invalid JSON: ' .. line)
  wait_for('RL202 and RL406 gone', function()
    local left = vim.tbl_filter(function(d) return d.code == 'RL202' or d.code == 'RL406' end, vim.diagnostic.get(buf))
    return #left == 0
  end)
  vim.cmd('write')
end

local ok, err = pcall(run)
if not ok then
  fail(tostring(err))
end
io.stderr:write('PASS\n')
vim.cmd('qall!')
