"""`rerank-lint rule`: a rule's doc, or the list of rules."""

from __future__ import annotations

from rerank_lint.diagnostics.diagnostic import FIX_LEGEND, fix_marker
from rerank_lint.errors import UsageError


def rule_text(cls) -> str:
    fix = {None: "none", "safe": "safe (`--fix`)", "unsafe": "unsafe (`--fix --unsafe-fixes`)"}[cls.fix.value if cls.fix else None]
    return f"# {cls.code} {cls.name}\n\n{cls.summary[0].upper() + cls.summary[1:]}.\nDefault severity: {cls.severity.label}. Fix: {fix}.\n\n{cls.doc()}\n"


def run_rule(args) -> int:
    from rerank_lint.rules.registry import REGISTRY

    if args.all:
        print("\n".join(rule_text(REGISTRY[c]) for c in sorted(REGISTRY)))
        return 0
    if not args.code:
        for code in sorted(REGISTRY):
            cls = REGISTRY[code]
            print(f"{code}  {fix_marker(cls.fix)} {cls.name:<28} {cls.severity.label:<8} {cls.summary}")
        print(f"\n{FIX_LEGEND}")
        return 0
    wanted = args.code.strip()
    for code, cls in REGISTRY.items():
        if wanted.upper() == code or wanted.lower() == cls.name:
            print(rule_text(cls), end="")
            return 0
    raise UsageError(f"unknown rule {wanted!r} (see `rerank-lint rule` for the list)")
