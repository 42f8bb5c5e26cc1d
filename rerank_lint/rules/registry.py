"""The rule table: every rule, by code, in one explicit list.

A new rule is a class in a module of this folder and one line here; nothing registers itself
by being imported. Front ends read `REGISTRY` (code -> class) and never import rule modules.
"""

from __future__ import annotations

from rerank_lint.rules import dataset, file, length, schema, testset, trainer
from rerank_lint.rules.semantic import coverage as semantic_coverage
from rerank_lint.rules.semantic import diversity as semantic_diversity
from rerank_lint.rules.semantic import leakage as semantic_leakage
from rerank_lint.rules.semantic import negatives as semantic_negatives
from rerank_lint.rules.semantic import paraphrase as semantic_paraphrase
from rerank_lint.rules.text import characters as text_characters
from rerank_lint.rules.text import markup as text_markup
from rerank_lint.rules.text import urls as text_urls
from rerank_lint.rules.text import whitespace as text_whitespace
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
    # trainer-specific reading
    trainer.AnswerFirst,
    trainer.ExtraInputColumn,
    trainer.BadLabel,
    trainer.UnequalListColumns,
    trainer.RepeatedNegatives,
    # text
    text_urls.UrlInText,
    text_markup.HtmlTag,
    text_markup.HtmlEntity,
    text_characters.ControlCharacter,
    text_characters.InvisibleCharacter,
    text_characters.Mojibake,
    text_characters.ReplacementCharacter,
    text_characters.SymbolRun,
    text_whitespace.SurroundingWhitespace,
    text_whitespace.RepeatedWhitespace,
    text_markup.WikiMarkup,
    # length
    length.QueryOverBudget,
    length.RelevantOverBudget,
    length.NegativeOverBudget,
    length.TrainerLengthDefaults,
    length.QueryCut,
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
    semantic_paraphrase.ParaphrasedQuery,
    semantic_negatives.EasyNegative,
    semantic_negatives.FalseNegative,
    semantic_negatives.LexicalNegative,
    semantic_leakage.QueryNearLeak,
    semantic_leakage.PassageNearLeak,
    semantic_diversity.LowQueryDiversity,
    semantic_diversity.LowPassageDiversity,
    semantic_coverage.LowQueryCoverage,
    semantic_coverage.UnaskedTrainingQuery,
)

REGISTRY: dict[str, type[Rule]] = {rule.code: rule for rule in sorted(ALL_RULES, key=lambda r: r.code)}
if len(REGISTRY) != len(ALL_RULES):
    raise RuntimeError("two rules share a code")
