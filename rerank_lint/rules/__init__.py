"""All rules. Importing this package registers every rule in `REGISTRY` by its code."""

from .base import REGISTRY, DatasetRule, GroupRule, Occurrence, RecordRule, Rule, SourceRule, TextHit, TextRule, register
from . import source, schema, text, length, dataset, testset  # noqa: F401  (registration)
from ..semantic import rules as _semantic  # noqa: F401, E402  (RL6xx; imports nothing heavy)

__all__ = ["REGISTRY", "DatasetRule", "GroupRule", "Occurrence", "RecordRule", "Rule", "SourceRule", "TextHit", "TextRule", "register"]
