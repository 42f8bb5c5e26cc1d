-- Neovim detects *.jsonl as `jsonl` but knows no *.ndjson; both are JSON Lines to rerank-lint.
if vim.g.loaded_rerank_lint then
  return
end
vim.g.loaded_rerank_lint = true

vim.filetype.add({ extension = { ndjson = 'jsonl', jsonl = 'jsonl' } })
