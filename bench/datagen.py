"""Generated JSONL shaped like the real rerank files, for the benchmarks (deterministic: a seed
gives the same bytes every time, so a row's output can be compared across runs and versions).

Shapes, after /work/shared/data/real (see its SOURCES.md):

- `cohere`: Cohere records (`query`, `relevant_passages`, `hard_negatives`), about 2.2 kB each
  (1.45 GB is about 661k records): short web-style queries and some long template queries that
  end in a newline (as in cohere_synthetic_finetune), 1-2 relevant passages and 0-8 hard
  negatives of mixed length (short snippets, paragraphs, and some long documents over the
  510-token budget), 30 % of the negatives drawn from a shared mined pool, ~8 % non-ASCII text.
- `cohere-small`: the same at about 700 bytes a record (the issue's 30k records = 21 MB).
- `bge`: FlagEmbedding records (`query`, `pos`, `neg`, sometimes `prompt`) shaped like
  bge_eedi_mined_hn: a long question, one short positive and 15 short negatives drawn from a
  pool of a few thousand labels (so most negatives repeat across records), ~1.7 kB a record.
- `tiny`: Cohere records of about 120 bytes (1M records = 120 MB).

Every shape sprinkles the defects the rules look for, at rates of a few per cent or less (HTML
tags and entities, URLs, surrounding and repeated whitespace, invisible characters, mojibake,
repeated queries, exact duplicate records, repeated and empty hard negatives, a negative that is
also relevant, pairs over the token budget), so the diagnostic path is exercised as on real data.

`huge_line` and `huge_record` write the one-record files of the memory rows.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson

WORDS = (
    "the of and to in is was for on that with as by at from his her an which are be this had not were but have "
    "one all their they has been more when who will would there about if so out into only some model data query "
    "passage search ranking system first time year people world between after used can state city river music "
    "film season team game water energy market price health school history war language church island species "
    "protein acid cell light space rocket engine computer network product battery handle review quality design "
    "customer order shipping size color screen camera phone kitchen garden tool brush paint wall floor window "
    "equation fraction angle triangle number answer student teacher question method value result factor"
).split()
ACCENTED = ("café", "naïve", "Zürich", "São Paulo", "résumé", "Skarsgård", "—", "’s", "°C", "€", "über", "Ångström")
QUESTION = ("what is", "how do I", "why does", "when did", "where is", "who was", "how many", "can you",
            "what are the", "how to")
TEMPLATE = ("A user asked the following question:\nQuestion: {q}?\nThis is about the following product:\n"
            "Product Title: {t}\nProduct Description: {d}\n")
MISCONCEPTIONS = ("confuses", "believes", "thinks", "does not understand", "forgets", "misreads", "rounds",
                  "divides rather than", "multiplies rather than", "adds instead of")


class Texts:
    """Pools of sentences from which passages are assembled: cheap to generate by the million,
    and (from two sentences up) practically never repeated unless drawn from the mined pool."""

    def __init__(self, rng: random.Random, sentences: int = 20_000):
        self.rng = rng
        words = WORDS
        pool = []
        for _ in range(sentences):
            n = rng.randint(6, 24)
            s = " ".join(rng.choices(words, k=n))
            if rng.random() < 0.06:
                s = s.replace(" ", f" {rng.choice(ACCENTED)} ", 1)
            pool.append(s[0].upper() + s[1:] + rng.choice((".", ".", ".", ",", "?", "!", ";")))
        self.sentences = pool

    def passage(self, chars: int) -> str:
        """About `chars` characters (whole sentences, at least one)."""
        k = max(1, chars // 95)
        return " ".join(self.rng.choices(self.sentences, k=k))

    def phrase(self, low: int, high: int) -> str:
        return " ".join(self.rng.choices(WORDS, k=self.rng.randint(low, high)))


def _passage_length(rng: random.Random, long_share: float, scale: float) -> int:
    roll = rng.random()
    if roll < long_share:
        return rng.randint(2300, 4500)  # over the 510-token budget with its query
    if roll < 0.55:
        return int(rng.randint(60, 400) * scale)
    return int(rng.randint(400, 1400) * scale)


def _defect(rng: random.Random, record: dict, rel: str, neg: str, texts: Texts, memory: list) -> dict:
    """Maybe add one defect to a record (about 12 % of records get one)."""
    roll = rng.random()
    relevant = record[rel]
    negatives = record.get(neg)
    if roll < 0.02:
        relevant[0] = f"<p>{relevant[0]}</p>"
    elif roll < 0.035:
        record["query"] += "\n"
    elif roll < 0.045 and negatives:
        negatives.append(negatives[0])
    elif roll < 0.055:
        relevant[-1] += " Source: https://example.org/wiki/page_" + str(rng.randrange(10**6))
    elif roll < 0.06:
        relevant[0] = relevant[0].replace(" and ", " &amp; ", 1) + " AT&amp;T"
    elif roll < 0.065:
        relevant[0] = relevant[0].replace(" ", " caf\u00c3\u00a9 ", 1)
    elif roll < 0.07:
        record["query"] = record["query"].replace(" ", "\u200b ", 1)
    elif roll < 0.08:
        relevant[0] = relevant[0].replace(". ", ".    ", 1) + "\n\n\n\nSee also."
    elif roll < 0.085 and negatives is not None:
        negatives.append("")
    elif roll < 0.09 and negatives is not None:
        negatives.append(relevant[0])
    elif roll < 0.1 and memory:
        record["query"] = rng.choice(memory).upper()  # repeats an earlier query, case changed
    elif roll < 0.105:
        relevant[0] = relevant[0] + " ★★★★★ !!!!!!!"
    elif roll < 0.11:
        relevant[0] = "<onlyinclude>" + relevant[0] + "</onlyinclude>"
    return record


def write(path: Path, shape: str, records: int, seed: int = 7) -> int:
    """Write `records` records of a shape; returns the file's size in bytes."""
    rng = random.Random(seed)
    texts = Texts(rng)
    small = shape == "cohere-small"
    tiny = shape == "tiny"
    bge = shape == "bge"
    scale = 0.2 if small else 0.35
    if bge:
        mined = [f"{rng.choice(MISCONCEPTIONS)} {texts.phrase(4, 14)}" for _ in range(2500)]
    else:
        mined = [texts.passage(_passage_length(rng, 0.0 if small else 0.05, scale)) for _ in range(5000)]
    earlier: list[str] = []  # a sample of earlier queries, for repeats
    previous: list[bytes] = []  # a few earlier lines, for exact duplicates
    dumps = orjson.dumps
    written = 0
    with open(path, "wb", buffering=1 << 20) as out:
        for i in range(records):
            if previous and rng.random() < 0.005:
                line = rng.choice(previous)  # an exact duplicate record
            else:
                if tiny:
                    record = {"query": f"{texts.phrase(1, 3)} {i}", "relevant_passages": [texts.phrase(2, 4)],
                              "hard_negatives": rng.sample(WORDS, 5)}
                    rel, neg = "relevant_passages", "hard_negatives"
                elif bge:
                    query = f"Question: {texts.passage(rng.randint(60, 250))} Incorrect Answer: {texts.phrase(1, 6)} ({i})"
                    record = {"query": query, "pos": [f"{rng.choice(MISCONCEPTIONS)} {texts.phrase(4, 14)}"],
                              "neg": [rng.choice(mined) for _ in range(15)]}
                    if rng.random() < 0.3:
                        record["prompt"] = "Given a math question and a misconcepted incorrect answer, retrieve the most accurate misconception."
                    rel, neg = "pos", "neg"
                else:
                    if rng.random() < 0.2:
                        query = TEMPLATE.format(q=f"{rng.choice(QUESTION)} {texts.phrase(3, 10)} {i}",
                                                t=texts.phrase(1, 3).title(), d=texts.passage(int(180 * scale)))
                    else:
                        query = f"{rng.choice(QUESTION)} {texts.phrase(2, 9)} {i}"
                    relevant = [texts.passage(_passage_length(rng, 0.02 if small else 0.06, scale)) for _ in range(rng.choice((1, 1, 1, 1, 2)))]
                    record = {"query": query, "relevant_passages": relevant}
                    roll = rng.random()
                    if roll >= 0.03:
                        n = rng.randint(2, 4) if roll < 0.08 else rng.randint(5, 8 if not small else 5)
                        record["hard_negatives"] = [
                            rng.choice(mined) if rng.random() < 0.3 else texts.passage(_passage_length(rng, 0.0 if small else 0.03, scale * (0.5 if small else 1)))
                            for _ in range(n)]
                    rel, neg = "relevant_passages", "hard_negatives"
                record = _defect(rng, record, rel, neg, texts, earlier)
                if rng.random() < 0.01:
                    earlier.append(record["query"].strip())
                    if len(earlier) > 200:
                        earlier.pop(0)
                line = dumps(record) + b"\n"
                if rng.random() < 0.001:
                    previous.append(line)
                    if len(previous) > 50:
                        previous.pop(0)
            out.write(line)
            written += len(line)
    return written


def huge_line(path: Path, size: int, seed: int = 3) -> int:
    """One record whose relevant passage is about `size` bytes, with HTML tags, a URL and an
    entity in it (diagnostics, fixes and their ranges on a huge line), and a normal second line."""
    rng = random.Random(seed)
    texts = Texts(rng, 2000)
    parts = []
    chunk = 1 << 16
    for k in range(max(1, size // chunk)):
        piece = texts.passage(chunk)
        if k % 16 == 3:
            piece = f"<b>{piece}</b>"
        parts.append(piece)
    passage = " ".join(parts)
    passage = passage[: len(passage) // 2] + " see https://example.org/x &amp; more " + passage[len(passage) // 2:]
    record = {"query": "what is in this very long document", "relevant_passages": [passage],
              "hard_negatives": [texts.passage(300) for _ in range(5)]}
    other = {"query": "a normal query", "relevant_passages": [texts.passage(300)], "hard_negatives": [texts.passage(300) for _ in range(5)]}
    data = orjson.dumps(record) + b"\n" + orjson.dumps(other) + b"\n"
    path.write_bytes(data)
    return len(data)


def huge_record(path: Path, size: int, seed: int = 5, many: bool = False) -> int:
    """One record of about `size` bytes with no text problem: a query and one clean relevant
    passage of `size` bytes (reported only as over the token budget, RL301, which places the cut
    in the huge literal), or with `many`, 1,000-character distinct hard negatives (each within
    the budget with the query) filling `size`: nothing at all to report."""
    rng = random.Random(seed)
    texts = Texts(rng, 5000)
    if many:
        negatives, total, i = [], 0, 0
        while total < size:
            text = f"{texts.passage(900)} ({i})"
            negatives.append(text)
            total += len(text) + 3
            i += 1
        record = {"query": "what is in this very large record", "relevant_passages": [texts.passage(600)],
                  "hard_negatives": negatives}
    else:
        parts, total = [], 0
        while total < size:
            parts.append(texts.passage(1 << 16))
            total += len(parts[-1].encode()) + 1
        record = {"query": "what is in this very large record", "relevant_passages": [" ".join(parts)[:size]],
                  "hard_negatives": [texts.passage(600) for _ in range(5)]}
    data = orjson.dumps(record) + b"\n"
    path.write_bytes(data)
    return len(data)


def write_small_lines(path: Path, records: int = 300) -> int:
    """A small clean-ish Cohere file: the baseline process (interpreter, imports, tokenizer)."""
    return write(path, "cohere", records, seed=1)
