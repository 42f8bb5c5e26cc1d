-- A clean Neovim for the end-to-end test: no user config, no shada or swap files, and this
-- plugin (editors/neovim, the parent of this folder) on the runtimepath.
local plugin_root = vim.fs.dirname(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)))
vim.opt.runtimepath:prepend(plugin_root)
vim.opt.shadafile = 'NONE'
vim.opt.swapfile = false
vim.opt.more = false
vim.cmd('filetype on')
vim.cmd('runtime plugin/rerank_lint.lua')
