"""The group rules' streaming index (`rules.first_seen.FirstSeen`) against a plain dict."""

from __future__ import annotations

import random
import tracemalloc

from hypothesis import given, settings, strategies as st

from rerank_lint.rules.first_seen import FirstSeen, key_halves

keys = st.one_of(st.text(max_size=8), st.integers(min_value=-(1 << 70), max_value=1 << 70))
payloads = st.one_of(st.none(), st.sampled_from(["query", "anchor"]), st.tuples(st.text(max_size=3), st.integers(0, 3)))


@given(st.lists(st.tuples(keys, payloads), max_size=3000))
@settings(max_examples=60, deadline=None)
def test_first_line_and_payload_of_each_key_as_a_dict_keeps_them(entries):
    index, reference = FirstSeen(), {}
    for line, (key, payload) in enumerate(entries):
        found = index.first_or_add(key, line, payload)
        expected = reference.get(key)
        if expected is None:
            reference[key] = (line, payload)
            assert found is None
        else:
            assert found == expected
    assert len(index) == len(reference)


def test_growing_past_many_capacities_keeps_every_entry():
    index = FirstSeen()
    texts = [f"query {i}" for i in range(50_000)]
    for line, text in enumerate(texts):
        assert index.first_or_add(text, line, "query") is None
    order = list(range(len(texts)))
    random.Random(1).shuffle(order)
    for i in order[:5000]:
        assert index.first_or_add(texts[i], 10**9, None) == (i, "query")
    assert len(index) == 50_000


def test_text_and_int_keys_hash_into_two_independent_halves():
    assert key_halves("a") != key_halves("b")
    assert key_halves(-1) == ((1 << 64) - 1, (1 << 64) - 1)
    assert key_halves(5) == (0, 5)
    assert key_halves((1, 2)) == key_halves((1, 2))


def test_memory_is_tens_of_bytes_an_entry_not_objects():
    tracemalloc.start()
    try:
        index = FirstSeen()
        before = tracemalloc.get_traced_memory()[0]
        # 96k entries fill 2**17 slots to 0.73: tracemalloc makes each insert slow, and a fuller
        # index shows the same bytes a slot as a larger one.
        for line in range(96_000):
            index.first_or_add(f"q{line}", line, "query")
        per_entry = (tracemalloc.get_traced_memory()[0] - before) / 96_000
    finally:
        tracemalloc.stop()
    # 28 bytes a slot at 0.375-0.75 load; a dict of int keys and Occurrence values took ~250.
    assert per_entry < 80, per_entry


def test_a_line_past_32_bits_widens_the_line_array():
    index = FirstSeen()
    assert index.first_or_add("early", 3) is None
    assert index.first_or_add("late", (1 << 33) + 5, "query") is None
    assert index.first_or_add("late", 0) == ((1 << 33) + 5, "query")
    assert index.first_or_add("early", 0) == (3, None)
