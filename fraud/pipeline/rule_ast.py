"""The rule language's syntax tree and what a rule means: evaluation against an assessment's signals.

`fraud.pipeline.rules` parses text into these nodes. A comparison with a missing signal, or
between values of different types, is false, never an error (as in Radar).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# --- AST ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    """A number, string or boolean written in the rule."""

    value: Any


@dataclass(frozen=True)
class Attribute:
    """`:name:`, a signal of the assessment."""

    name: str


@dataclass(frozen=True)
class ListRef:
    """`@name`, one of LIST_NAMES."""

    name: str


@dataclass(frozen=True)
class Collection:
    values: tuple


@dataclass(frozen=True)
class Compare:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Membership:
    item: Any
    collection: ListRef | Collection
    negated: bool


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple


@dataclass(frozen=True)
class Not:
    operand: Any


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


# --- Evaluation --------------------------------------------------------------------------

ListLookup = Callable[[str, Any], bool]  # (list name, value) -> is the value on that list?

_MISSING = object()


def _comparable(left, right) -> bool:
    numeric = (int, float)
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool)
    if isinstance(left, numeric) and isinstance(right, numeric):
        return True
    return isinstance(left, str) and isinstance(right, str)


def _normal(value):
    return value.lower() if isinstance(value, str) else value


def evaluate(node, signals: Mapping[str, Any], in_list: ListLookup) -> Any:
    """Evaluate an AST node against `signals`; a missing signal makes its comparison false."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Attribute):
        return signals.get(node.name, _MISSING)
    if isinstance(node, BoolOp):
        if node.op == "and":
            return all(_truthy(evaluate(child, signals, in_list)) for child in node.operands)
        return any(_truthy(evaluate(child, signals, in_list)) for child in node.operands)
    if isinstance(node, Not):
        value = evaluate(node.operand, signals, in_list)
        return False if value is _MISSING or value is None else not _truthy(value)
    if isinstance(node, Compare):
        left = evaluate(node.left, signals, in_list)
        right = evaluate(node.right, signals, in_list)
        if left is _MISSING or right is _MISSING or left is None or right is None or not _comparable(left, right):
            return False
        left, right = _normal(left), _normal(right)
        if node.op == "=":
            return left == right
        if node.op == "!=":
            return left != right
        if isinstance(left, bool):
            return False
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[node.op]
    if isinstance(node, Membership):
        item = evaluate(node.item, signals, in_list)
        if item is _MISSING or item is None or item == "":
            return False
        if isinstance(node.collection, ListRef):
            found = in_list(node.collection.name, item)
        else:
            found = _normal(item) in {_normal(value) for value in node.collection.values}
        return not found if node.negated else found
    raise TypeError(f"Unknown rule node {node!r}")


def _truthy(value) -> bool:
    return value is not _MISSING and bool(value)


def matches(rule: ParsedRule, signals: Mapping[str, Any], in_list: ListLookup) -> bool:
    """Whether the rule's condition holds for these signals."""
    return _truthy(evaluate(rule.condition, signals, in_list))
