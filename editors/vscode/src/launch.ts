// How the server is started and what it is told at `initialize`, from the extension's settings.
// Pure (no `vscode` import) so that it is unit-tested under plain node.

import * as path from "node:path";

/** The extension's settings, read once from `rerankLint.*`. */
export interface ExtensionSettings {
  serverCommand: string | string[];
  pythonPath: string;
  serverArgs: string[];
  configFile: string;
  semantic: boolean | null;
  settings: Record<string, unknown>;
}

/** Where `${workspaceFolder}`, `~` and relative paths point. */
export interface PathContext {
  workspaceFolder?: string;
  home: string;
}

export interface ServerLaunch {
  command: string;
  args: string[];
}

/** What the server reads from `initializationOptions` (server/workspace.py `initialize`). */
export interface InitializationOptions {
  settings: Record<string, unknown>;
  configFile?: string;
}

export const DEFAULT_EXECUTABLE = "rerank-lint";

/** `${workspaceFolder}`, `${userHome}` and a leading `~` expanded, as VS Code users expect. */
export function expandVariables(value: string, ctx: PathContext): string {
  let result = value.replace(/\$\{userHome\}/g, ctx.home);
  if (ctx.workspaceFolder !== undefined) {
    result = result.replace(/\$\{workspaceFolder\}/g, ctx.workspaceFolder);
  }
  if (result === "~" || result.startsWith("~/")) {
    result = ctx.home + result.slice(1);
  }
  return result;
}

/** A path setting made absolute; relative ones are relative to the workspace folder. */
export function resolvePath(value: string, ctx: PathContext): string {
  const expanded = expandVariables(value.trim(), ctx);
  if (path.isAbsolute(expanded) || ctx.workspaceFolder === undefined) {
    return expanded;
  }
  return path.join(ctx.workspaceFolder, expanded);
}

/**
 * The process to spawn, in order of precedence: an explicit command (an array is argv, a string
 * is one executable that gets `server`), a Python interpreter (`-m rerank_lint server`, for a
 * venv that is not on PATH), else `rerank-lint server` from PATH. Extra args come last.
 */
export function serverLaunch(s: ExtensionSettings, ctx: PathContext): ServerLaunch {
  const extra = s.serverArgs.map((a) => expandVariables(a, ctx));
  const argv = explicitCommand(s.serverCommand);
  if (argv.length > 0) {
    const [command, ...args] = argv.map((a) => expandVariables(a, ctx));
    return { command, args: [...args, ...extra] };
  }
  if (s.pythonPath.trim() !== "") {
    return { command: resolvePath(s.pythonPath, ctx), args: ["-m", "rerank_lint", "server", ...extra] };
  }
  return { command: DEFAULT_EXECUTABLE, args: ["server", ...extra] };
}

function explicitCommand(setting: string | string[]): string[] {
  if (Array.isArray(setting)) {
    return setting.filter((part) => typeof part === "string" && part !== "");
  }
  // A string is a path to one executable (spaces and all), never split like a shell would.
  return typeof setting === "string" && setting.trim() !== "" ? [setting.trim(), "server"] : [];
}

/**
 * The server merges `settings` over the config file's settings (same keys as rerank-lint.toml).
 * `configFile`, when set, is the config file the server uses instead of the nearest one.
 */
export function initializationOptions(s: ExtensionSettings, ctx: PathContext): InitializationOptions {
  const settings: Record<string, unknown> = { ...s.settings };
  if (s.semantic !== null) {
    settings["semantic"] = s.semantic;
  }
  const options: InitializationOptions = { settings };
  if (s.configFile.trim() !== "") {
    options.configFile = resolvePath(s.configFile, ctx);
  }
  return options;
}

/** Settings the running server cannot pick up: a change to any of them restarts it. */
export const RESTART_SECTIONS = [
  "rerankLint.server",
  "rerankLint.configFile",
  "rerankLint.semantic",
  "rerankLint.settings",
] as const;

/** Whether a configuration change needs a restart; `affects` is VS Code's `affectsConfiguration`. */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return RESTART_SECTIONS.some((section) => affects(section));
}

/** A one-line command for logs and error messages. */
export function describeLaunch(launch: ServerLaunch): string {
  return [launch.command, ...launch.args].map((part) => (/\s/.test(part) ? JSON.stringify(part) : part)).join(" ");
}
