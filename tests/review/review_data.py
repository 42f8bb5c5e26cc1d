"""Data the review front ends' tests share (imported by name, not from `conftest`)."""

from pathlib import Path

from helpers import cohere

SCHEMA = Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json"


def problem_records() -> str:
    """Records with known problems: a URL and an HTML tag, a duplicate query, an empty negative."""
    return (cohere(query="what is a url", relevant=["see https://example.org and <b>this</b>"])
            + cohere(query="question 3 about topic 8")  # repeats a query of the clean part
            + cohere(query="empty negative here", negatives=["", "a real negative"]))
