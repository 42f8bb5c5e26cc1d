import * as assert from "node:assert/strict";
import { describe, it } from "node:test";

import { MODEL_PROGRESS_TITLE, StatusModel } from "../../src/status";

function running(): StatusModel {
  const model = new StatusModel();
  model.setState("running");
  return model;
}

describe("StatusModel", () => {
  it("shows ready once the server runs", () => {
    const view = running().view();
    assert.equal(view.text, "$(check) rerank-lint");
    assert.equal(view.warning, false);
  });

  it("shows the model loading between begin and end of its progress, then ready with the model", () => {
    const model = running();
    model.progress("rerank-lint-1", { kind: "begin", title: MODEL_PROGRESS_TITLE });
    assert.equal(model.loadingModel, true);
    assert.match(model.view().text, /loading model/);
    model.progress("rerank-lint-1", { kind: "report", message: "half" });
    assert.match(model.view().text, /loading model/);
    model.progress("rerank-lint-1", { kind: "end" });
    assert.equal(model.loadingModel, false);
    assert.equal(model.view().text, "$(check-all) rerank-lint");
    assert.match(model.view().tooltip, /semantic model loaded/);
  });

  it("spins without claiming the model for other progress", () => {
    const model = running();
    model.progress(7, { kind: "begin", title: "rerank-lint: checking the file" });
    assert.equal(model.view().text, "$(loading~spin) rerank-lint");
    assert.equal(model.view().tooltip, "rerank-lint: checking the file");
    model.progress(7, { kind: "end" });
    assert.equal(model.view().text, "$(check) rerank-lint");
  });

  it("keeps loading while the model's progress is open even if another ends", () => {
    const model = running();
    model.progress("a", { kind: "begin", title: MODEL_PROGRESS_TITLE });
    model.progress("b", { kind: "begin", title: "rerank-lint: checking the file" });
    model.progress("b", { kind: "end" });
    assert.equal(model.loadingModel, true);
  });

  it("forgets the model and open progress when the server stops or restarts", () => {
    const model = running();
    model.progress("a", { kind: "begin", title: MODEL_PROGRESS_TITLE });
    model.progress("a", { kind: "end" });
    model.setState("starting");
    model.setState("running");
    assert.equal(model.view().text, "$(check) rerank-lint");
  });

  it("warns with the reason when the server failed to start", () => {
    const model = new StatusModel();
    model.setState("failed", "spawn rerank-lint ENOENT");
    const view = model.view();
    assert.equal(view.warning, true);
    assert.match(view.tooltip, /ENOENT/);
  });

  it("ignores an end for a token it never saw", () => {
    const model = running();
    model.progress("ghost", { kind: "end" });
    assert.equal(model.view().text, "$(check) rerank-lint");
  });
});
