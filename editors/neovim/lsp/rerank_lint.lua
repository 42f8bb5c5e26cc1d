-- rerank-lint language server for Neovim 0.11+: `vim.lsp.enable('rerank_lint')`.
-- Override any field with `vim.lsp.config('rerank_lint', { ... })`, e.g. the command of a
-- virtual environment: `cmd = { '/path/to/venv/bin/rerank-lint', 'server' }`.
-- The fallback for Neovim 0.8-0.10 (lua/rerank_lint/init.lua) starts from this same table.
return {
  cmd = { 'rerank-lint', 'server' },
  filetypes = { 'jsonl' },
  -- The server finds each file's config itself; the root only groups files under one client.
  root_markers = { 'rerank-lint.toml', '.rerank-lint.toml', 'pyproject.toml', '.git' },
  -- `settings` overrides the config file, same keys as rerank-lint.toml: { ignore = { 'RL209' } }.
  init_options = { settings = vim.empty_dict() },
  -- Diagnostics: the server pushes them to Neovim (it pulls, but cannot be asked to pull again
  -- when semantic results arrive, so the server does not offer pull to it): each shows once.
}
