// The VS Code side of rerank-lint: starts `rerank-lint server` for JSON Lines documents and
// shows its state in the status bar. Everything that is decided rather than wired lives in
// launch.ts and status.ts, which are unit-tested without VS Code.

import * as os from "node:os";
import * as vscode from "vscode";
import {
  type ClientCapabilities,
  type FeatureState,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  type StaticFeature,
  TransportKind,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
} from "vscode-languageclient/node";

import {
  describeLaunch,
  type ExtensionSettings,
  initializationOptions,
  needsRestart,
  type PathContext,
  serverLaunch,
} from "./launch";
import { type ProgressValue, StatusModel } from "./status";

const CLIENT_ID = "rerankLint"; // also the prefix of `rerankLint.trace.server`, read by the client
const CLIENT_NAME = "rerank-lint";

let output: vscode.OutputChannel;
let statusItem: vscode.StatusBarItem;
const status = new StatusModel();
let client: LanguageClient | undefined;
// Restarts are chained so that two quick settings changes never run two servers at once.
let lifecycle: Promise<void> = Promise.resolve();

export function activate(context: vscode.ExtensionContext): void {
  output = vscode.window.createOutputChannel(CLIENT_NAME);
  statusItem = vscode.window.createStatusBarItem("rerankLint.status", vscode.StatusBarAlignment.Right, 100);
  statusItem.name = "rerank-lint";
  statusItem.command = "rerankLint.showOutput";
  context.subscriptions.push(
    output,
    statusItem,
    vscode.commands.registerCommand("rerankLint.restartServer", () => restart("restart command")),
    vscode.commands.registerCommand("rerankLint.showOutput", () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart((section) => event.affectsConfiguration(section))) {
        void restart("settings changed");
      }
    }),
  );
  showStatus();
  statusItem.show();
  void restart("activation");
}

export function deactivate(): Thenable<void> | undefined {
  return enqueue(stopClient);
}

function restart(reason: string): Promise<void> {
  return enqueue(async () => {
    output.appendLine(`[rerank-lint] starting the server (${reason})`);
    await stopClient();
    await startClient();
  });
}

function enqueue(step: () => Promise<void>): Promise<void> {
  lifecycle = lifecycle.then(step, step);
  return lifecycle;
}

async function startClient(): Promise<void> {
  const settings = readSettings();
  const paths = pathContext();
  const launch = serverLaunch(settings, paths);
  output.appendLine(`[rerank-lint] ${describeLaunch(launch)}`);
  const serverOptions: ServerOptions = {
    command: launch.command,
    args: launch.args,
    transport: TransportKind.stdio,
    options: { cwd: paths.workspaceFolder },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "jsonl" },
      { scheme: "untitled", language: "jsonl" },
    ],
    initializationOptions: initializationOptions(settings, paths),
    outputChannel: output,
    traceOutputChannel: output,
  };
  const next = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  next.registerFeature(new StatusProgressFeature(next));
  next.onDidChangeState(({ newState }) => {
    if (newState === State.Running) status.setState("running");
    else if (newState === State.Starting) status.setState("starting");
    else if (client === next) status.setState("stopped");
    showStatus();
  });
  client = next;
  status.setState("starting");
  showStatus();
  try {
    await next.start();
  } catch (error) {
    reportStartFailure(launch.command, error);
  }
}

async function stopClient(): Promise<void> {
  const previous = client;
  client = undefined;
  if (previous === undefined) return;
  try {
    await previous.stop(5000);
  } catch (error) {
    // A server that never started cannot be stopped; nothing is left to clean up.
    output.appendLine(`[rerank-lint] stopping the server: ${String(error)}`);
  }
}

function reportStartFailure(command: string, error: unknown): void {
  const detail = error instanceof Error ? error.message : String(error);
  status.setState("failed", detail);
  showStatus();
  output.appendLine(`[rerank-lint] the server did not start: ${detail}`);
  const openSettings = "Open Settings";
  void vscode.window
    .showErrorMessage(
      `rerank-lint: could not start \`${command}\` (${detail}). Install rerank-lint (pip install . from its clone) or set rerankLint.server.pythonPath.`,
      openSettings,
    )
    .then((choice) => {
      if (choice === openSettings) {
        void vscode.commands.executeCommand("workbench.action.openSettings", "rerankLint.server");
      }
    });
}

function readSettings(): ExtensionSettings {
  const config = vscode.workspace.getConfiguration("rerankLint");
  return {
    serverCommand: config.get<string | string[]>("server.command", []),
    pythonPath: config.get<string>("server.pythonPath", ""),
    serverArgs: config.get<string[]>("server.args", []),
    configFile: config.get<string>("configFile", ""),
    semantic: config.get<boolean | null>("semantic", null),
    settings: config.get<Record<string, unknown>>("settings", {}),
  };
}

function pathContext(): PathContext {
  return { workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, home: os.homedir() };
}

function showStatus(): void {
  const view = status.view();
  statusItem.text = view.text;
  statusItem.tooltip = view.tooltip;
  statusItem.backgroundColor = view.warning ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
}

/**
 * Follows the server's work-done progress (the embedding model's load, a long first check) for
 * the status bar. The client allows one handler per progress token, so this feature takes over
 * `window/workDoneProgress/create` from the client's own progress feature (registered after
 * it, it wins) and the status bar item becomes the progress indicator.
 */
class StatusProgressFeature implements StaticFeature {
  private readonly handlers = new Map<string, vscode.Disposable>();

  constructor(private readonly languageClient: LanguageClient) {}

  getState(): FeatureState {
    return { kind: "static" };
  }

  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.window = { ...capabilities.window, workDoneProgress: true };
  }

  initialize(): void {
    this.languageClient.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      const key = String(token);
      this.handlers.get(key)?.dispose();
      const handler = this.languageClient.onProgress(WorkDoneProgress.type, token, (value) => {
        status.progress(token, value as ProgressValue);
        showStatus();
        if (value.kind === "end") {
          this.handlers.get(key)?.dispose();
          this.handlers.delete(key);
        }
      });
      this.handlers.set(key, handler);
    });
  }

  clear(): void {
    this.dispose();
  }

  dispose(): void {
    for (const handler of this.handlers.values()) handler.dispose();
    this.handlers.clear();
  }
}
