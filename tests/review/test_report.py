"""`rerank-lint report`: the HTML report and its Markdown summary; the HTML opened in headless
chromium to check that every plot rendered, with a screenshot kept in tests/artifacts/."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rerank_lint.report.data import binned
from rerank_lint.report.svg import nice_ticks

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PLOTS = ("plot-tokens", "plot-negatives", "plot-duplicates")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars")

# Appended to a copy of the report for the test only (the report itself has no script): after
# layout, each plot's marks must have a non-empty box; the verdict is written into the DOM,
# which --dump-dom prints.
PROBE = """<script>
for (const svg of document.querySelectorAll('svg.plot')) {
  const marks = [...svg.querySelectorAll('.mark')];
  const drawn = marks.filter(m => { const b = m.getBBox(); return b.width > 0 && b.height > 0; }).length;
  const box = svg.getBoundingClientRect();
  const out = document.createElement('p');
  out.className = 'probe';
  out.textContent = `rendered ${svg.id} ${Math.round(box.width)}x${Math.round(box.height)} marks=${marks.length} drawn=${drawn}`;
  document.body.appendChild(out);
}
</script>"""


def test_helpers():
    assert nice_ticks(510) == [0, 200, 400, 600]
    assert binned({0: 1, 3: 2}) == (["0", "1", "2", "3"], [1, 0, 0, 2], [0, 1, 2, 3])
    labels, values, _ = binned({100: 8, 79: 1})
    assert labels[0] == "0–8" and sum(values) == 9


@pytest.fixture
def report(dataset, cli):
    code, _ = cli("report", dataset, "-o", "report.html")
    assert code == 0
    return dataset.parent / "report.html"


def test_html_is_self_contained_with_every_plot(report):
    html = report.read_text(encoding="utf-8")
    for plot in PLOTS:
        assert f"id='{plot}'" in html
    # Nothing is loaded at view time: no script, stylesheet or image from anywhere.
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", html)
    # No docs site is configured: the rule's summary is its tooltip, not a link that goes nowhere.
    assert "RL201 url-in-text" in html and "#rl201-url-in-text" not in html
    assert "id='counts'" in html and ">303<" in html  # records, as `stats` counts them
    assert "--semantic" in html  # says why the similarity plot is missing


def test_markdown_summary(dataset, cli):
    code, out = cli("report", dataset, "--format", "markdown")
    assert code == 0
    assert out.startswith("### rerank-lint report: `train.jsonl`")
    assert "| records (cohere format) | 303 |" in out and "| RL201 url-in-text |" in out


def test_every_plot_renders_in_headless_chromium(report, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run installs it)")
    probed = tmp_path / "probed.html"
    probed.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")

    def chromium_run(*args):
        return subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                              capture_output=True, text=True, timeout=120)

    dom = chromium_run("--dump-dom", probed.as_uri()).stdout
    verdicts = dict(re.findall(r"rendered (plot-[a-z]+) (\d+x\d+ marks=\d+ drawn=\d+)", dom))
    assert set(verdicts) == set(PLOTS), dom[-2000:]
    for plot, verdict in verdicts.items():
        size, marks, drawn = re.match(r"(\d+)x\d+ marks=(\d+) drawn=(\d+)", verdict).groups()
        assert int(size) > 0 and int(marks) > 0 and int(drawn) > 0, (plot, verdict)

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "report.png"
    screenshot.unlink(missing_ok=True)
    chromium_run("--window-size=1360,1700", f"--screenshot={screenshot}", report.as_uri())
    assert screenshot.stat().st_size > 10_000
    print(f"report screenshot: {screenshot}")


def test_similarity_plot_with_the_semantic_extra(tmp_path, cli, monkeypatch):
    pytest.importorskip("sentence_transformers", reason="the semantic extra is not installed")
    from helpers import cohere

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RERANK_LINT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "t.jsonl").write_text("".join(
        cohere(query=f"how do plants make food {i}", relevant=["Plants make food by photosynthesis from light."],
               negatives=["The stock market fell today.", "Leaves are green because of chlorophyll."])
        for i in range(4)), encoding="utf-8")
    code, _ = cli("report", "t.jsonl", "--semantic", "-o", "r.html")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert code == 0 and "id='plot-similarity'" in html and "query ↔ hard negative (8)" in html


def test_count_plots_have_whole_ticks_and_the_budget_key_stays_off_the_bars():
    from rerank_lint.report.svg import Reference, Series, bar_chart, nice_ticks

    assert nice_ticks(3, integral=True) == [0, 1, 2, 3]
    assert all(float(t).is_integer() for t in nice_ticks(7, integral=True))
    svg = bar_chart("p", "groups", ["2", "3"], [Series("groups", [3, 1])], x_label="size", y_label="groups",
                    reference=Reference(2, "budget 2"))
    ticks = re.findall(r"text-anchor='end' [^>]*>([0-9.e+]+)</text>", svg)
    assert ticks and all("." not in t for t in ticks)
    label_y = float(re.search(r"class='reference-label' x='[0-9.]+' y='([0-9.]+)'", svg).group(1))
    from rerank_lint.report.svg import MARGIN_TOP
    assert label_y < MARGIN_TOP  # in the margin above the plot, where no bar is
