"""The rule reference (docs/rules.md), written from the rules' own docs so it cannot drift.

    python -m rerank_lint.rules.docs > docs/rules.md
"""

from __future__ import annotations

from rerank_lint.rules.registry import REGISTRY
from rerank_lint.trainers.profiles import PLATFORM_ONLY


def serves(cls) -> str:
    """Which trainer a rule is about: a platform-only rule's owner, the trainers whose reading
    a rule follows, else "all"."""
    if cls.code in PLATFORM_ONLY:
        return f"{PLATFORM_ONLY[cls.code]} only"
    return ", ".join(cls.trainers) if cls.trainers else "all"

_CATEGORIES = {
    "RL0": "The file and its lines",
    "RL1": "Record schema",
    "RL2": "Text cleaning",
    "RL3": "Token budget",
    "RL4": "The dataset",
    "RL5": "Training and evaluation files",
    "RL6": "Semantic checks (embedding model, opt-in)",
}


def rules_markdown() -> str:
    out = [
        "# Rules\n",
        "Every rule of rerank-lint, generated from the rules' own docs (`python -m rerank_lint.rules.docs`).",
        "`rerank-lint rule CODE` prints the same text. Fix: *safe* fixes are applied by `--fix`,",
        "*unsafe* ones only with `--fix --unsafe-fixes` (as in ruff).\n",
        "| code | name | severity | fix | trainer | what |",
        "|---|---|---|---|---|---|",
    ]
    for code in sorted(REGISTRY):
        cls = REGISTRY[code]
        anchor = f"{code}-{cls.name}".lower()
        fix = cls.fix.value if cls.fix else ""
        extra = " (off by default)" if cls.explicit_only else ""
        out.append(f"| [{code}](#{anchor}) | {cls.name} | {cls.severity.label} | {fix} | {serves(cls)} | {cls.summary}{extra} |")
    current = None
    for code in sorted(REGISTRY):
        category = _CATEGORIES.get(code[:3], "Other")
        if category != current:
            out.append(f"\n# {category}\n")
            current = category
        cls = REGISTRY[code]
        fix = {None: "none", "safe": "safe", "unsafe": "unsafe"}[cls.fix.value if cls.fix else None]
        default = "off by default (select its code to run it)" if cls.explicit_only else "on"
        doc = cls.doc().replace("\n## ", "\n### ")
        out.append(f"## {code} {cls.name}\n")
        out.append(f"Severity: {cls.severity.label} · fix: {fix} · default: {default} · trainer: {serves(cls)}\n")
        out.append(doc + "\n")
    return "\n".join(out)


if __name__ == "__main__":
    print(rules_markdown(), end="")
