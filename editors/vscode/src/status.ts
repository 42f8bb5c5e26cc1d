// What the status bar item says, from the server's lifecycle and its `$/progress` reports.
// Pure (no `vscode` import) so that it is unit-tested under plain node.

/**
 * The server announces the embedding model's first load with a work-done progress of this
 * title (server/semantic.py); the only other progress it sends is a long first check.
 */
export const MODEL_PROGRESS_TITLE = "rerank-lint: loading the embedding model";

export type ServerState = "starting" | "running" | "stopped" | "failed";

export interface StatusView {
  text: string;
  tooltip: string;
  /** Shown with a warning background: the server is not there to lint anything. */
  warning: boolean;
}

interface ProgressBegin {
  kind: "begin";
  title: string;
  message?: string;
}
interface ProgressReport {
  kind: "report";
  message?: string;
}
interface ProgressEnd {
  kind: "end";
  message?: string;
}
export type ProgressValue = ProgressBegin | ProgressReport | ProgressEnd;

export class StatusModel {
  private state: ServerState = "stopped";
  private detail = "";
  private modelReady = false;
  /** Token → title of the progress reports that have begun and not ended. */
  private readonly active = new Map<string, string>();

  setState(state: ServerState, detail = ""): void {
    this.state = state;
    this.detail = detail;
    if (state !== "running") {
      // A new server process starts with its own, unloaded model and no progress.
      this.active.clear();
      this.modelReady = false;
    }
  }

  progress(token: string | number, value: ProgressValue): void {
    const key = String(token);
    if (value.kind === "begin") {
      this.active.set(key, value.title);
    } else if (value.kind === "end") {
      if (this.active.get(key) === MODEL_PROGRESS_TITLE) {
        this.modelReady = true;
      }
      this.active.delete(key);
    }
  }

  get loadingModel(): boolean {
    return [...this.active.values()].includes(MODEL_PROGRESS_TITLE);
  }

  view(): StatusView {
    switch (this.state) {
      case "starting":
        return { text: "$(loading~spin) rerank-lint", tooltip: "rerank-lint: starting the server", warning: false };
      case "stopped":
        return { text: "$(circle-slash) rerank-lint", tooltip: "rerank-lint: server stopped", warning: false };
      case "failed":
        return {
          text: "$(error) rerank-lint",
          tooltip: `rerank-lint: the server is not running${this.detail ? ` (${this.detail})` : ""}; see the output`,
          warning: true,
        };
      case "running":
        return this.runningView();
    }
  }

  private runningView(): StatusView {
    if (this.loadingModel) {
      return {
        text: "$(loading~spin) rerank-lint: loading model",
        tooltip: "rerank-lint: loading the embedding model for the semantic rules (RL6xx)",
        warning: false,
      };
    }
    const busy = [...this.active.values()];
    if (busy.length > 0) {
      return { text: "$(loading~spin) rerank-lint", tooltip: busy.join("\n"), warning: false };
    }
    if (this.modelReady) {
      return { text: "$(check-all) rerank-lint", tooltip: "rerank-lint: ready; semantic model loaded", warning: false };
    }
    return {
      text: "$(check) rerank-lint",
      tooltip: "rerank-lint: ready (the semantic model loads on first use when `semantic` is on)",
      warning: false,
    };
  }
}
