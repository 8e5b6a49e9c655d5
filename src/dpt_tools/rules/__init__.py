"""Domain rules of a voter roll: the registry (:mod:`.catalog`) and the rule functions by theme."""

from .base import Context, Hits, Rule
from .catalog import RULES, RULES_BY_CODE

__all__ = ["RULES", "RULES_BY_CODE", "Context", "Hits", "Rule"]
