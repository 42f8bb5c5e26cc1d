"""What the semantic rules of one file share: its distinct texts, a compact table of which
record holds which text, the embeddings (each distinct text embedded once, for all rules) and
the conclusions several rules draw on.

Records are not kept: each is a line number and text ids. Each distinct text is kept once,
because it must be embedded (or looked up in the cache).

The same index serves the CLI, which fills it once while the file streams by, and the language
server, which keeps it across edits (`sync`): texts keep their ids and vectors while some
record holds them, so an edit embeds only the texts it brought, and the structures that
compare texts with each other (`keep`) update with the texts that came and went instead of
comparing everything again.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, NamedTuple

from rerank_lint.errors import ConfigError
from rerank_lint.source.normalize import query_key
from rerank_lint.semantic import MISSING_MESSAGE, notify

if TYPE_CHECKING:
    import numpy as np

NO_TEXT = -1

# Numbers and math or code symbols: two texts that differ in them ask or say different things
# ("15% of 80" / "25% of 80", "d^{4}" / "d 4"), however close their embeddings (which barely
# see them). Prose punctuation is not part of it.
_FIGURES = re.compile(r"\d+(?:[.,]\d+)*|[^\w\s.,;:!?'\"`´‘’“”«»()\[\]¿¡…-]")


def figures_of(text: str) -> Counter:
    return Counter(_FIGURES.findall(text))


class RecordTexts(NamedTuple):
    line: int
    relevant_key: str
    negative_key: str
    query: int  # text id, NO_TEXT when the query is missing or blank
    positives: tuple[tuple[int, int], ...]  # (index in the list, text id)
    negatives: tuple[tuple[int, int], ...]
    # The record's own teacher scores (FlagEmbedding's pos_scores / neg_scores), by list index,
    # when they line up with its passages: the judge trusts them above any model (RL603).
    teacher: tuple[tuple[float, ...], tuple[float, ...]] | None = None
    query_key: str = "query"  # the query's key: a sentence-transformers record's first column
    # A sentence-transformers record's passages sit in columns, not in one list per role: there
    # a slot is the passage's position among those of its role, and these say its (key, index).
    # Empty for Cohere/BGE, whose slots are the list indexes under relevant_key / negative_key.
    positive_places: tuple[tuple[str, int | None], ...] = ()
    negative_places: tuple[tuple[str, int | None], ...] = ()

    def positive_at(self, slot: int) -> tuple[str, int | None]:
        """(key, list index) of a relevant passage, for a diagnostic on it."""
        return self.positive_places[slot] if self.positive_places else (self.relevant_key, slot)

    def negative_at(self, slot: int) -> tuple[str, int | None]:
        return self.negative_places[slot] if self.negative_places else (self.negative_key, slot)


def _teacher_of(record) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    data = record.data
    if "pos_scores" not in data:  # the common case: no teacher, no work
        return None
    from rerank_lint.semantic.judge import teacher_scores

    found = teacher_scores(data, record.schema.relevant_key, record.schema.negative_key)
    return None if found is None else (tuple(found[0]), tuple(found[1]))


class TextTable:
    """Distinct texts with dense ids: the rows of the embedding matrix.

    An id is never given to another text, so that vectors and the per-text results of earlier
    passes stay valid; a text no record holds any more is dropped (`release`) and its row is
    garbage until the index is rebuilt (`garbage`).
    """

    def __init__(self):
        self.ids: dict[str, int] = {}
        self.texts: list[str | None] = []  # None: released
        self._holders: list[int] = []
        self.garbage = 0

    def id(self, text: str) -> int:
        if not text.strip():
            return NO_TEXT  # blank texts are the schema rules' business; nothing to embed
        found = self.ids.get(text)
        if found is None:
            found = self.ids[text] = len(self.texts)
            self.texts.append(text)
            self._holders.append(0)
        self._holders[found] += 1
        return found

    def release(self, text_id: int) -> None:
        if text_id == NO_TEXT:
            return
        self._holders[text_id] -= 1
        if self._holders[text_id] == 0:
            del self.ids[self.texts[text_id]]
            self.texts[text_id] = None
            self.garbage += 1


@dataclass
class QueryGroups:
    """Distinct queries (ignoring case, spaces and punctuation, as RL402 does)."""

    text: "np.ndarray"  # text id of each group's first query
    line: "np.ndarray"  # first line of each group
    records: "np.ndarray"  # records in each group
    of_record: "np.ndarray"  # group of each record, -1 without a query


PROBE_TEXTS = 32  # texts looked up in the cache before deciding to warm the model up


class SemanticIndex:
    def __init__(self, settings):
        self.settings = settings
        self.table = TextTable()
        self.records: list[RecordTexts] = []
        self._last_line = -1
        self._embedder = None
        self._vectors: "np.ndarray | None" = None  # rows: text ids below `_embedded`
        self._embedded = 0
        self._unavailable = False
        self._memo: dict[str, object] = {}  # conclusions of this pass
        self._kept: dict[object, object] = {}  # structures kept across passes
        self._by_serial: dict[int, RecordTexts] = {}
        self._probed = False

    @classmethod
    def of(cls, context) -> "SemanticIndex":
        """The index of the file being checked, created by the first semantic rule."""
        index = context.extras.get("semantic")
        if index is None:
            index = context.extras["semantic"] = cls(context.settings)
        return index

    def add(self, record) -> None:
        if record.line == self._last_line:  # every semantic rule passes every record on
            return
        self._last_line = record.line
        self.records.append(self._texts_of(record, record.line))
        if not self._probed and len(self.table.texts) >= PROBE_TEXTS:
            self._probe()

    def _texts_of(self, record, line: int) -> RecordTexts:
        table = self.table
        query = record.query_ref
        query_id = table.id(query[1]) if query is not None else NO_TEXT
        query_key = query[0] if query is not None else "query"
        if record.layout is not None:
            return self._column_texts_of(record, line, query_id, query_key)
        return RecordTexts(
            line, record.schema.relevant_key, record.schema.negative_key, query_id,
            tuple((i, t) for i, t in ((i, table.id(s)) for i, s in record.relevant()) if t != NO_TEXT),
            tuple((i, t) for i, t in ((i, table.id(s)) for i, s in record.negatives()) if t != NO_TEXT),
            _teacher_of(record),
            query_key,
        )

    def _column_texts_of(self, record, line: int, query_id: int, query_key: str) -> RecordTexts:
        """A sentence-transformers record read by role (`record.passages()`); a passage whose
        label says neither relevant nor negative is left out, as no rule can judge it."""
        places: dict[bool, list[tuple[str, int | None]]] = {True: [], False: []}
        ids: dict[bool, list[tuple[int, int]]] = {True: [], False: []}
        for key, index, text, relevant in record.passages():
            if relevant is None or not isinstance(text, str):
                continue
            text_id = self.table.id(text)
            if text_id != NO_TEXT:
                ids[relevant].append((len(places[relevant]), text_id))
            places[relevant].append((key, index))
        return RecordTexts(line, "", "", query_id, tuple(ids[True]), tuple(ids[False]), None, query_key,
                           tuple(places[True]), tuple(places[False]))

    def sync(self, records) -> None:
        """Make the index hold the document's records now: `(serial, line, record)` in line
        order, where a serial names one version of one line (an edited line gets a new one).
        Records seen before keep their texts and only move; the others are read; the texts of
        records that are gone are released. The conclusions of the last pass are dropped."""
        previous, current, rows = self._by_serial, {}, []
        for serial, line, record in records:
            texts = previous.pop(serial, None)
            if texts is None:
                texts = self._texts_of(record, line)
            elif texts.line != line:
                texts = texts._replace(line=line)
            current[serial] = texts
            rows.append(texts)
        release = self.table.release
        for texts in previous.values():
            release(texts.query)
            for _, text in texts.positives + texts.negatives:
                release(text)
        self._by_serial, self.records = current, rows
        self._memo.clear()

    @property
    def worn(self) -> bool:
        """More released texts than live ones: time to build a fresh index (ids are never
        reused, so their rows and per-text results only go at a rebuild)."""
        return self.table.garbage > max(len(self.table.ids), 4096)

    def _probe(self) -> None:
        """If the cache lacks any of the first texts, the model will be needed: start loading
        it now, in the background, instead of after the whole file has been read. A warm run
        (everything cached) never loads it."""
        self._probed = True
        try:
            from rerank_lint.semantic.cache import text_key
            from rerank_lint.semantic.embedder import warm_up

            embedder = self.embedder
            keys = [text_key(embedder.spec.identity, t) for t in self.table.texts[:PROBE_TEXTS]]
            if len(embedder.cache.get(keys, model=embedder.spec.identity)) < len(keys):
                warm_up(embedder.spec, self.settings.semantic_device)
        except ConfigError:
            pass  # a missing model is reported when the vectors are asked for

    # --- embeddings ---------------------------------------------------------------------

    @property
    def embedder(self):
        if self._embedder is None:
            from rerank_lint.semantic.embedder import Embedder

            self._embedder = Embedder(self.settings)
        return self._embedder

    def vectors(self) -> "np.ndarray | None":
        """One unit vector per text id (the rows of released texts are stale, and no record
        points at them); None when no model can be used (said once). Only the texts added
        since the last call are embedded."""
        if self._unavailable:
            return None
        import numpy as np

        texts = self.table.texts
        fresh = [i for i in range(self._embedded, len(texts)) if texts[i] is not None]
        if fresh:
            vectors = self.embed([texts[i] for i in fresh])
            if vectors is None:
                return None
            matrix = self._vectors
            if matrix is None or len(matrix) < len(texts):
                # Room to grow, so that a few new texts per edit do not copy the whole matrix.
                grown = np.zeros((len(texts) if matrix is None else len(texts) + len(texts) // 4, vectors.shape[1]),
                                 dtype=np.float32)
                if matrix is not None:
                    grown[:len(matrix)] = matrix
                matrix = grown
            matrix[fresh] = vectors
            self._vectors = matrix
        self._embedded = len(texts)
        if self._vectors is None:
            return np.zeros((len(texts), 0), dtype=np.float32)  # nothing embedded yet: no text to embed
        return self._vectors

    def embed(self, texts: list[str]) -> "np.ndarray | None":
        if self._unavailable:
            return None
        try:
            return self.embedder.embed(texts)
        except ConfigError as exc:
            notify(f"rerank-lint: error: {exc}")
        except ImportError:
            notify(MISSING_MESSAGE)
        self._unavailable = True
        return None

    def memo(self, name: str, compute: Callable[[], object]):
        """A conclusion computed once and shared by the rules that need it."""
        if name not in self._memo:
            self._memo[name] = compute()
        return self._memo[name]

    def keep(self, name: object, create: Callable[[], object]):
        """A structure kept across passes (see `sync`), created on first use."""
        if name not in self._kept:
            self._kept[name] = create()
        return self._kept[name]

    # --- shared views -------------------------------------------------------------------

    def query_groups(self) -> QueryGroups:
        def compute():
            import numpy as np

            first: dict[str, int] = {}
            keys: dict[int, str] = self.keep("query-keys", dict)  # text id -> query_key, across passes
            texts, lines, counts, of_record = [], [], [], []
            for record in self.records:
                if record.query == NO_TEXT:
                    of_record.append(-1)
                    continue
                key = keys.get(record.query)
                if key is None:
                    key = keys[record.query] = query_key(self.table.texts[record.query])
                group = first.get(key)
                if group is None:
                    group = first[key] = len(texts)
                    texts.append(record.query)
                    lines.append(record.line)
                    counts.append(0)
                counts[group] += 1
                of_record.append(group)
            as_array = lambda v: np.array(v, dtype=np.int64)  # noqa: E731
            return QueryGroups(as_array(texts), as_array(lines), as_array(counts), as_array(of_record))

        return self.memo("query-groups", compute)

    def query_key_of(self) -> dict[int, str]:
        """The key of each record's query, by line, for a diagnostic on it: "query", or a
        sentence-transformers record's first column."""
        return self.memo("query-key-of", lambda: {record.line: record.query_key for record in self.records})

    def passage_ids(self) -> "np.ndarray":
        """Distinct passages (relevant or negative) in the order first seen."""
        def compute():
            import numpy as np

            seen = dict.fromkeys(t for r in self.records for _, t in r.positives + r.negatives)
            return np.fromiter(seen, dtype=np.int64, count=len(seen))

        return self.memo("passage-ids", compute)
