"""RL0xx: the bytes and lines of the file. Found by the reader and parser (engine.py)."""

from rerank_lint.diagnostics.diagnostic import Applicability, Severity
from rerank_lint.rules.base import SourceRule


class InternalError(SourceRule):
    """A rule failed on this record.

    ## Why it matters
    rerank-lint never stops on one bad record: a rule that raises is skipped for that record and
    reported here, so a bug in the linter is visible instead of silently hiding problems.

    ## Fix
    Report it with the record that triggers it; the rest of the file was still checked.
    """

    code, name, severity = "RL000", "internal-error", Severity.ERROR
    summary = "a rule failed on this record"


class InvalidJson(SourceRule):
    """A line that is not valid JSON.

    ## Why it matters
    Every trainer reads JSONL one line at a time with a JSON parser; a single invalid line stops
    the upload (Cohere reports the line) or the training job.

    ## Example
        {"query": "what is bm25", "relevant_passages": ["BM25 is ..."],}

    ## Fix
    Correct the JSON at the position shown (here: the trailing comma). Write JSONL with a JSON
    library rather than by hand or with string templates.
    """

    code, name, severity = "RL001", "invalid-json", Severity.ERROR
    summary = "the line is not valid JSON"


class NotAnObject(SourceRule):
    """A line that is valid JSON but not an object.

    ## Why it matters
    Each line must be one record, a JSON object with `query` and its passages. An array or a
    string on a line is not a record; uploads and loaders reject it.

    ## Example
        ["what is bm25", "BM25 is ..."]

    ## Fix
    Write each record as an object: `{"query": ..., "relevant_passages": [...]}`.
    """

    code, name, severity = "RL002", "not-an-object", Severity.ERROR
    summary = "the line is JSON but not an object"


class InvalidUtf8(SourceRule):
    """Bytes that are not valid UTF-8.

    ## Why it matters
    Training files must be UTF-8. A file saved as Latin-1 or cp1252, or a truncated multi-byte
    character, is rejected by the platform and by JSON parsers.

    ## Example
    A line holding the byte 0xE9 (Latin-1 "é") instead of the UTF-8 bytes 0xC3 0xA9.

    ## Fix
    Re-encode the file as UTF-8 (`iconv -f cp1252 -t utf-8`), or fix the writer to use UTF-8.
    """

    code, name, severity = "RL003", "invalid-utf8", Severity.ERROR
    summary = "the line holds bytes that are not UTF-8"


class ByteOrderMark(SourceRule):
    """The file starts with a UTF-8 byte order mark (BOM).

    ## Why it matters
    Windows tools add a BOM (EF BB BF). Strict JSON parsers, orjson among them, reject the
    first line because of it.

    ## Fix
    `--fix` removes the three bytes; nothing else changes.
    """

    code, name, severity = "RL004", "utf8-bom", Severity.WARNING
    summary = "the file starts with a UTF-8 byte order mark"
    fix = Applicability.SAFE


class CrlfLineEnding(SourceRule):
    """Lines that end with CRLF (`\\r\\n`) instead of LF.

    ## Why it matters
    Most JSON readers accept the extra `\\r`, but line-based tools (diff, `wc -l`, shell
    pipelines) and some loaders do not, and mixed endings make diffs noisy.

    ## Fix
    `--fix` converts every CRLF line ending to LF.
    """

    code, name, severity = "RL005", "crlf-line-ending", Severity.INFO
    summary = "lines end with CRLF"
    fix = Applicability.SAFE


class BlankLine(SourceRule):
    """A blank line between records.

    ## Why it matters
    JSONL has one record per line. Some loaders skip blank lines, others fail on them or produce
    an empty record.

    ## Fix
    `--fix` deletes the blank lines.
    """

    code, name, severity = "RL006", "blank-line", Severity.WARNING
    summary = "a blank line between records"
    fix = Applicability.SAFE


class MissingFinalNewline(SourceRule):
    """The last record has no newline after it.

    ## Why it matters
    Concatenating files (`cat a.jsonl b.jsonl`) glues the last record of one file to the first of
    the next, producing an invalid line.

    ## Fix
    `--fix` adds the newline.
    """

    code, name, severity = "RL007", "missing-final-newline", Severity.INFO
    summary = "no newline at the end of the file"
    fix = Applicability.SAFE


class NulByte(SourceRule):
    """A raw NUL byte (0x00) in a line.

    ## Why it matters
    NUL bytes come from binary data or broken extraction; the line is not valid JSON and many
    tools treat the file as binary.

    ## Fix
    Remove the byte, or regenerate the line from the source data. Inside a JSON string a NUL is
    written `\\u0000` (and then reported by RL204 as a control character).
    """

    code, name, severity = "RL008", "nul-byte", Severity.ERROR
    summary = "a NUL byte in the line"


class BinaryFile(SourceRule):
    """The file is not text.

    ## Why it matters
    A compressed or binary file under a `.jsonl` name (a `.jsonl.gz` renamed, a parquet file)
    would produce a diagnostic on every line; it is reported once and not checked further.

    ## Fix
    Decompress or convert the file to JSONL.
    """

    code, name, severity = "RL009", "binary-file", Severity.ERROR
    summary = "the file is binary, not JSONL"


class DuplicateKey(SourceRule):
    """The same key twice in one record.

    ## Why it matters
    JSON parsers keep only the last value of a repeated key, silently: with
    `{"query": "a", "query": "b"}` the first query is lost without any error.

    ## Fix
    Remove one of the keys, or rename it to what it was meant to be.
    """

    code, name, severity = "RL010", "duplicate-key", Severity.ERROR
    summary = "a key appears twice in one record"


class EmptyFile(SourceRule):
    """The file holds no records.

    ## Why it matters
    An empty training file is usually a failed export or a wrong path; the upload is rejected.

    ## Fix
    Check the step that writes the file.
    """

    code, name, severity = "RL011", "empty-file", Severity.ERROR
    summary = "the file holds no records"
