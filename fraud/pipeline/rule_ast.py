"""The rule language's syntax tree, each node evaluating itself against an assessment's signals.

`fraud.pipeline.rules` parses text into these nodes. A comparison with a missing signal, or
between values of different types, is false, never an error (as in Radar).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ListLookup = Callable[[str, Any], bool]  # (list name, value) -> is the value on that list?

# What an attribute evaluates to when the assessment has no such signal.
_MISSING = object()

_ORDERINGS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _comparable(left, right) -> bool:
    numeric = (int, float)
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool)
    if isinstance(left, numeric) and isinstance(right, numeric):
        return True
    return isinstance(left, str) and isinstance(right, str)


def _normal(value):
    return value.lower() if isinstance(value, str) else value


def _absent(value) -> bool:
    return value is _MISSING or value is None


def _truthy(value) -> bool:
    return value is not _MISSING and bool(value)


@dataclass(frozen=True)
class Literal:
    """A number, string or boolean written in the rule."""

    value: Any

    def evaluate(self, signals: Mapping[str, Any], in_list: ListLookup) -> Any:
        return self.value


@dataclass(frozen=True)
class Attribute:
    """`:name:`, a signal of the assessment."""

    name: str

    def evaluate(self, signals: Mapping[str, Any], in_list: ListLookup) -> Any:
        return signals.get(self.name, _MISSING)


@dataclass(frozen=True)
class ListRef:
    """`@name`, one of the operator-edited lists, asked through `in_list`."""

    name: str

    def holds(self, item, in_list: ListLookup) -> bool:
        return in_list(self.name, item)


@dataclass(frozen=True)
class Collection:
    """`(value, ...)` written in the rule; strings match whatever their case."""

    values: tuple

    def holds(self, item, in_list: ListLookup) -> bool:
        return _normal(item) in {_normal(value) for value in self.values}


@dataclass(frozen=True)
class Compare:
    op: str  # = != < <= > >=
    left: Any
    right: Any

    def evaluate(self, signals: Mapping[str, Any], in_list: ListLookup) -> bool:
        left = self.left.evaluate(signals, in_list)
        right = self.right.evaluate(signals, in_list)
        if _absent(left) or _absent(right) or not _comparable(left, right):
            return False
        left, right = _normal(left), _normal(right)
        if self.op == "=":
            return left == right
        if self.op == "!=":
            return left != right
        return not isinstance(left, bool) and _ORDERINGS[self.op](left, right)


@dataclass(frozen=True)
class Membership:
    item: Any
    collection: ListRef | Collection
    negated: bool  # `not in`

    def evaluate(self, signals: Mapping[str, Any], in_list: ListLookup) -> bool:
        item = self.item.evaluate(signals, in_list)
        if _absent(item) or item == "":
            return False
        found = self.collection.holds(item, in_list)
        return not found if self.negated else found


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple

    def evaluate(self, signals: Mapping[str, Any], in_list: ListLookup) -> bool:
        combine = all if self.op == "and" else any
        return combine(_truthy(child.evaluate(signals, in_list)) for child in self.operands)


@dataclass(frozen=True)
class Not:
    operand: Any

    def evaluate(self, signals: Mapping[str, Any], in_list: ListLookup) -> bool:
        value = self.operand.evaluate(signals, in_list)
        return False if _absent(value) else not _truthy(value)


@dataclass(frozen=True)
class ParsedRule:
    action: str
    condition: Any
    source: str

    def attributes(self) -> set[str]:
        found: set[str] = set()
        _collect(self.condition, Attribute, found)
        return found

    def lists(self) -> set[str]:
        found: set[str] = set()
        _collect(self.condition, ListRef, found)
        return found


def _collect(node, node_type, found: set[str]) -> None:
    if isinstance(node, node_type):
        found.add(node.name)
    for child in getattr(node, "__dict__", {}).values():
        if isinstance(child, tuple):
            for item in child:
                _collect(item, node_type, found)
        elif hasattr(child, "__dict__"):
            _collect(child, node_type, found)


def evaluate(node, signals: Mapping[str, Any], in_list: ListLookup) -> Any:
    """Evaluate an AST node against `signals`; a missing signal makes its comparison false."""
    return node.evaluate(signals, in_list)


def matches(rule: ParsedRule, signals: Mapping[str, Any], in_list: ListLookup) -> bool:
    """Whether the rule's condition holds for these signals."""
    return _truthy(evaluate(rule.condition, signals, in_list))
