"""The rule table: every rule, by code, in one explicit list.

A new rule is a class in a module of this folder and one line here; nothing registers itself
by being imported. Front ends read `REGISTRY` (code -> class) and never import rule modules.
"""

from __future__ import annotations

from rerank_lint.rules import file, schema, text, length, dataset, testset, semantic
from rerank_lint.rules.base import Rule

ALL_RULES: tuple[type[Rule], ...] = (
    # file
    file.InternalError,
    file.InvalidJson,
    file.NotAnObject,
    file.InvalidUtf8,
    file.ByteOrderMark,
    file.CrlfLineEnding,
    file.BlankLine,
    file.MissingFinalNewline,
    file.NulByte,
    file.BinaryFile,
    file.DuplicateKey,
    file.EmptyFile,
    # schema
    schema.MixedFormat,
    schema.MissingField,
    schema.WrongType,
    schema.EmptyQuery,
    schema.NoRelevantPassage,
    schema.EmptyRelevantPassage,
    schema.UnknownKey,
    schema.ScoreLengthMismatch,
    schema.EmptyNegativesBge,
    # text
    text.UrlInText,
    text.HtmlTag,
    text.HtmlEntity,
    text.ControlCharacter,
    text.InvisibleCharacter,
    text.Mojibake,
    text.ReplacementCharacter,
    text.SymbolRun,
    text.SurroundingWhitespace,
    text.RepeatedWhitespace,
    text.WikiMarkup,
    # length
    length.QueryOverBudget,
    length.RelevantOverBudget,
    length.NegativeOverBudget,
    # dataset
    dataset.TooFewQueries,
    dataset.DuplicateQuery,
    dataset.DuplicateRecord,
    dataset.RelevantAndNegative,
    dataset.EmptyHardNegative,
    dataset.DuplicateHardNegative,
    dataset.LabelConflict,
    dataset.NoHardNegatives,
    dataset.FewHardNegatives,
    dataset.PassageEqualsQuery,
    dataset.FileTooLarge,
    # testset
    testset.QueryLeak,
    testset.PassageLeak,
    testset.NoEvalFile,
    # semantic
    semantic.ParaphrasedQuery,
    semantic.EasyNegative,
    semantic.FalseNegative,
    semantic.LexicalNegative,
    semantic.QueryNearLeak,
    semantic.PassageNearLeak,
    semantic.LowQueryDiversity,
    semantic.LowPassageDiversity,
)

REGISTRY: dict[str, type[Rule]] = {rule.code: rule for rule in sorted(ALL_RULES, key=lambda r: r.code)}
if len(REGISTRY) != len(ALL_RULES):
    raise RuntimeError("two rules share a code")
