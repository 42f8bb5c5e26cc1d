"""RL605, RL606: near-duplicate queries or passages shared with the evaluation file."""

from __future__ import annotations


from rerank_lint.diagnostics.diagnostic import Severity
from rerank_lint.source.normalize import passage_key, query_key
from rerank_lint.source.paired import PairedFile, paired_file
from rerank_lint.semantic.index import figures_of

from rerank_lint.rules.semantic.base import SemanticRule, preview



class NearLeak(SemanticRule):
    """Texts of this file with a near-duplicate (not an exact copy) in the other file of its pair."""

    field = ""  # "query" or "passage"

    def mine(self) -> list[tuple[int, str, int | None, int]]:
        """(line, key, list index, text id) of each distinct text of this file to compare."""
        raise NotImplementedError

    def theirs(self, side: PairedFile) -> dict[str, tuple[int, str, int | None]]:
        """Distinct texts of the other file with their first place (line, key, list index)."""
        raise NotImplementedError

    def same(self, a: str, b: str) -> bool:
        """Exact duplicates, which RL501 / RL502 report."""
        raise NotImplementedError

    def skip(self, a: str, b: str) -> bool:
        # Texts that differ in their numbers or formulas are different questions or documents.
        return self.same(a, b) or figures_of(a) != figures_of(b)

    def conclude(self, report, context, vectors):
        from rerank_lint.semantic.search import best_matches

        side, role = paired_file(context)
        if side is None:
            return
        others = self.theirs(side)
        mine = self.mine()
        if not others or not mine:
            return
        other_texts = list(others)
        # The other file's vectors and each text's best match in it are kept across passes (an
        # editor's edits), for as long as the other file is the same.
        kept = self.index.keep(("near-leak", self.code), dict)
        if kept.get("side") is not side:
            kept.clear()
            kept.update(side=side, vectors=self.index.embed(other_texts), matches={})
        other_vectors, matches = kept["vectors"], kept["matches"]
        if other_vectors is None:
            return
        texts = self.index.table.texts
        todo = [t for *_, t in mine if t not in matches]
        if todo:
            best, score = best_matches(vectors[todo], other_vectors)
            matches.update(zip(todo, zip(best.tolist(), score.tolist())))
        threshold = self.settings.leak_similarity
        try:
            for line, key, slot, text in mine:
                match, similarity = matches[text]
                theirs = other_texts[match]
                if similarity < threshold or self.skip(texts[text], theirs) or not report.rebind(line):
                    continue
                other_line, other_key, other_slot = others[theirs]
                related = report.related_value(other_line, other_key, other_slot, f"the near-duplicate {self.field} in the {role} file",
                                               str(side.path), side.store.content(other_line))
                report.at_value(self, key, slot, f"this {self.field} nearly repeats one in the {role} file {side.path}, "
                                                 f"{side.unit} {other_line + 1} (cosine {similarity:.2f}): {preview(theirs)!r}",
                                related=[related])
        finally:
            side.store.close()


class QueryNearLeak(NearLeak):
    """A query of the training file that is a near-duplicate of one in its evaluation file.

    ## Why it matters
    The test set must share no queries with training. A paraphrase of an evaluation query in
    training leaks it as surely as a copy: the score then measures memory, not ranking. Exact
    copies (ignoring case and punctuation) are RL501; this rule reports queries whose cosine
    similarity to an evaluation query is at least `leak-similarity` (0.92). Each side is
    reported where it is checked. A sentence-transformers record's query is its first column,
    reported there; either file may be JSONL or Parquet.

    ## Example
    train.jsonl: "how do I reset my password"; eval.jsonl: "how can I reset my password?"

    ## Fix
    Remove or rewrite the training query, keeping the evaluation set fixed.
    """

    code, name, severity = "RL605", "query-near-leak", Severity.WARNING
    summary = "a query nearly repeats one of the paired train/eval file"
    field = "query"

    def mine(self):
        groups = self.index.query_groups()
        key_of = self.index.query_key_of()
        return [(int(line), key_of[line], None, int(text)) for line, text in zip(groups.line.tolist(), groups.text.tolist())]

    def theirs(self, side):
        return {text: (line, key, None) for text, (line, key) in side.queries.items()}

    def same(self, a, b):
        return query_key(a) == query_key(b)


class PassageNearLeak(NearLeak):
    """A relevant passage of the training file that nearly repeats one of its evaluation file.

    ## Why it matters
    A relevant passage seen in training, even reworded or reformatted, is easier to rank at
    evaluation time: the score overstates how the model does on new documents. Exact copies
    are RL502; this rule reports relevant passages whose cosine similarity to a relevant
    passage of the other file is at least `leak-similarity` (0.92). A sentence-transformers
    record's relevant passage is its positive column (or a passage its label says is relevant),
    reported there.

    ## Example
    The same product description with a different first sentence in train.jsonl and eval.jsonl.

    ## Fix
    Split the data by document, not by query, so that no document is on both sides.
    """

    code, name, severity = "RL606", "passage-near-leak", Severity.WARNING
    summary = "a relevant passage nearly repeats one of the paired train/eval file"
    field = "relevant passage"

    def mine(self):
        seen: set[int] = set()
        found = []
        for record in self.index.records:
            for slot, text in record.positives:
                if text not in seen:
                    seen.add(text)
                    found.append((record.line, *record.positive_at(slot), text))
        return found

    def theirs(self, side):
        return side.relevant_passages

    def same(self, a, b):
        return passage_key(a) == passage_key(b)


# --- diversity ------------------------------------------------------------------------------
