import * as assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  describeLaunch,
  type ExtensionSettings,
  expandVariables,
  initializationOptions,
  needsRestart,
  serverLaunch,
} from "../../src/launch";

const ctx = { workspaceFolder: "/ws", home: "/home/me" };

function settings(overrides: Partial<ExtensionSettings> = {}): ExtensionSettings {
  return { serverCommand: [], pythonPath: "", serverArgs: [], configFile: "", semantic: null, settings: {}, ...overrides };
}

describe("serverLaunch", () => {
  it("runs rerank-lint from PATH by default", () => {
    assert.deepEqual(serverLaunch(settings(), ctx), { command: "rerank-lint", args: ["server"] });
  });

  it("runs the module with a Python interpreter, relative to the workspace", () => {
    const launch = serverLaunch(settings({ pythonPath: ".venv/bin/python" }), ctx);
    assert.deepEqual(launch, { command: "/ws/.venv/bin/python", args: ["-m", "rerank_lint", "server"] });
  });

  it("prefers an explicit command array over the interpreter, as argv", () => {
    const launch = serverLaunch(
      settings({ serverCommand: ["${workspaceFolder}/bin/rl", "server", "--stdio"], pythonPath: "/usr/bin/python3" }),
      ctx,
    );
    assert.deepEqual(launch, { command: "/ws/bin/rl", args: ["server", "--stdio"] });
  });

  it("treats a command string as one executable, spaces included, and adds `server`", () => {
    const launch = serverLaunch(settings({ serverCommand: "~/my tools/rerank-lint" }), ctx);
    assert.deepEqual(launch, { command: "/home/me/my tools/rerank-lint", args: ["server"] });
  });

  it("appends the extra args whatever the command", () => {
    assert.deepEqual(serverLaunch(settings({ serverArgs: ["--stdio"] }), ctx).args, ["server", "--stdio"]);
    assert.deepEqual(serverLaunch(settings({ pythonPath: "/py", serverArgs: ["-x"] }), ctx).args, ["-m", "rerank_lint", "server", "-x"]);
  });

  it("ignores an empty command array and empty strings", () => {
    assert.equal(serverLaunch(settings({ serverCommand: ["", ""] }), ctx).command, "rerank-lint");
    assert.equal(serverLaunch(settings({ serverCommand: "  " }), ctx).command, "rerank-lint");
  });
});

describe("expandVariables", () => {
  it("leaves ${workspaceFolder} alone without a workspace", () => {
    assert.equal(expandVariables("${workspaceFolder}/x", { home: "/h" }), "${workspaceFolder}/x");
  });
  it("expands ~ only at the start", () => {
    assert.equal(expandVariables("~/a~b", ctx), "/home/me/a~b");
    assert.equal(expandVariables("${userHome}/x", ctx), "/home/me/x");
  });
});

describe("initializationOptions", () => {
  it("sends the settings under `settings`, the key the server reads", () => {
    assert.deepEqual(initializationOptions(settings({ settings: { ignore: ["RL209"] } }), ctx), {
      settings: { ignore: ["RL209"] },
    });
  });

  it("sets `semantic` only when the user chose a value", () => {
    assert.equal("semantic" in initializationOptions(settings(), ctx).settings, false);
    assert.equal(initializationOptions(settings({ semantic: false }), ctx).settings.semantic, false);
    assert.equal(initializationOptions(settings({ semantic: true, settings: { semantic: false } }), ctx).settings.semantic, true);
  });

  it("passes the config file as an absolute path", () => {
    assert.equal(initializationOptions(settings({ configFile: "conf/rl.toml" }), ctx).configFile, "/ws/conf/rl.toml");
    assert.equal("configFile" in initializationOptions(settings(), ctx), false);
  });

  it("does not share the user's settings object", () => {
    const user = { ignore: ["RL1"] };
    initializationOptions(settings({ settings: user, semantic: true }), ctx);
    assert.deepEqual(user, { ignore: ["RL1"] });
  });
});

describe("needsRestart", () => {
  const changed = (...sections: string[]) => (s: string) => sections.some((c) => c === s || c.startsWith(`${s}.`));

  it("restarts for the server command, interpreter, args, config file and settings", () => {
    for (const section of ["rerankLint.server.command", "rerankLint.server.pythonPath", "rerankLint.server.args",
      "rerankLint.configFile", "rerankLint.semantic", "rerankLint.settings"]) {
      assert.equal(needsRestart(changed(section)), true, section);
    }
  });

  it("does not restart for the trace level (the client applies it live) or other extensions", () => {
    assert.equal(needsRestart(changed("rerankLint.trace.server")), false);
    assert.equal(needsRestart(changed("editor.fontSize")), false);
  });
});

describe("describeLaunch", () => {
  it("quotes arguments with spaces", () => {
    assert.equal(describeLaunch({ command: "/a b/py", args: ["-m", "rerank_lint"] }), '"/a b/py" -m rerank_lint');
  });
});
