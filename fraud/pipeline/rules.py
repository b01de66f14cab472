"""The rule language: a tokenizer, a recursive-descent parser to an AST, and an evaluator.

Grammar (keywords are case-insensitive; no `eval`, no attribute access, nothing but this)::

    rule        := action "if" expression
    action      := "allow" | "block" | "review"
    expression  := and_expr ("or" and_expr)*
    and_expr    := not_expr ("and" not_expr)*
    not_expr    := "not" not_expr | comparison
    comparison  := operand [ compare_op operand | ["not"] "in" collection ]
    compare_op  := "=" | "==" | "!=" | "<" | "<=" | ">" | ">="
    operand     := ":attribute:" | number | 'string' | "string" | true | false | "(" expression ")"
    collection  := "@list_name" | "(" literal ("," literal)* ")"

`:name:` reads a signal of the assessment (`:risk_score:`, `:amount_usd:`, any signal a
check adds). `@name` is one of the operator-edited lists (`@blocked_cards`, ...). A bare
operand is true when the signal is truthy. A comparison with a missing signal, or between
values of different types, is false, never an error (as in Radar).

Every syntax error carries the 0-based character position where it was found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_RULE_LENGTH = 1000
MAX_DEPTH = 32
ACTIONS = ("allow", "block", "review")

# Which operator-edited list each `@name` reads: (entry kind, allow|block).
LIST_NAMES: dict[str, tuple[str, str]] = {}
for _kind, _plural in (
    ("card_fingerprint", "cards"),
    ("email", "emails"),
    ("email_domain", "email_domains"),
    ("ip", "ips"),
    ("country", "countries"),
):
    LIST_NAMES[f"blocked_{_plural}"] = (_kind, "block")
    LIST_NAMES[f"allowed_{_plural}"] = (_kind, "allow")


class RuleSyntaxError(ValueError):
    """A rule that does not parse; `position` is the 0-based offset of the offending character."""

    def __init__(self, message: str, position: int):
        self.message = message
        self.position = position
        super().__init__(f"{message} (at position {position})")


# --- Tokens ------------------------------------------------------------------------------

_KEYWORDS = {"if", "and", "or", "not", "in", "true", "false", *ACTIONS}
_TOKEN_PATTERNS = [
    ("WS", r"\s+"),
    ("ATTR", r":[A-Za-z_][A-Za-z0-9_]{0,63}:"),
    ("LIST", r"@[A-Za-z_][A-Za-z0-9_]{0,63}"),
    ("NUMBER", r"-?(?:\d{1,18}(?:\.\d{1,12})?|\.\d{1,12})"),
    ("STRING", r"'[^'\\\n]{0,256}'|\"[^\"\\\n]{0,256}\""),
    ("OP", r"==|!=|<=|>=|=|<|>"),
    ("LPAREN", r"\("),
    ("RPAREN", r"\)"),
    ("COMMA", r","),
    ("WORD", r"[A-Za-z_][A-Za-z0-9_]*"),
]
_TOKEN_RE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _TOKEN_PATTERNS))


@dataclass(frozen=True)
class Token:
    kind: str  # ATTR LIST NUMBER STRING OP LPAREN RPAREN COMMA KEYWORD END
    text: str
    position: int


def tokenize(source: str) -> list[Token]:
    """Split `source` into tokens; raises RuleSyntaxError at the first character that starts none."""
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN_RE.match(source, position)
        if match is None:
            char = source[position]
            if char in "'\"":
                raise RuleSyntaxError("Unterminated or too long string", position)
            raise RuleSyntaxError(f"Unexpected character {char!r}", position)
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "WORD":
            if text.lower() not in _KEYWORDS:
                raise RuleSyntaxError(
                    f"Unknown word {text!r} (attributes are written :name:, lists @name, strings in quotes)",
                    position,
                )
            kind, text = "KEYWORD", text.lower()
        if kind != "WS":
            tokens.append(Token(kind, text, position))
        position = match.end()
    tokens.append(Token("END", "", len(source)))
    return tokens


# --- AST ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Attribute:
    name: str


@dataclass(frozen=True)
class ListRef:
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


# --- Parser ------------------------------------------------------------------------------


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "END":
            self.index += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        return self.current.kind == "KEYWORD" and self.current.text in words

    def expect_keyword(self, word: str) -> Token:
        if not self.at_keyword(word):
            raise RuleSyntaxError(f"Expected {word!r}, found {self._describe(self.current)}", self.current.position)
        return self.advance()

    def expect(self, kind: str, what: str) -> Token:
        if self.current.kind != kind:
            raise RuleSyntaxError(f"Expected {what}, found {self._describe(self.current)}", self.current.position)
        return self.advance()

    @staticmethod
    def _describe(token: Token) -> str:
        return "end of rule" if token.kind == "END" else repr(token.text)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleSyntaxError(f"Rule nested deeper than {MAX_DEPTH} levels", self.current.position)

    def leave(self) -> None:
        self.depth -= 1

    def rule(self) -> ParsedRule:
        token = self.current
        if not self.at_keyword(*ACTIONS):
            raise RuleSyntaxError(
                f"A rule starts with allow, block or review, found {self._describe(token)}", token.position
            )
        action = self.advance().text
        self.expect_keyword("if")
        condition = self.expression()
        if self.current.kind != "END":
            raise RuleSyntaxError(f"Unexpected {self._describe(self.current)}", self.current.position)
        return ParsedRule(action=action, condition=condition, source=self.source)

    def expression(self):
        self.enter()
        operands = [self.and_expr()]
        while self.at_keyword("or"):
            self.advance()
            operands.append(self.and_expr())
        self.leave()
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands))

    def and_expr(self):
        operands = [self.not_expr()]
        while self.at_keyword("and"):
            self.advance()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands))

    def not_expr(self):
        if self.at_keyword("not"):
            self.advance()
            self.enter()
            operand = self.not_expr()
            self.leave()
            return Not(operand)
        return self.comparison()

    def comparison(self):
        left = self.operand()
        if self.current.kind == "OP":
            op = self.advance().text
            op = "=" if op == "==" else op
            right = self.operand()
            return Compare(op, left, right)
        if self.at_keyword("in"):
            self.advance()
            return Membership(left, self.collection(), negated=False)
        if (
            self.at_keyword("not")
            and self.tokens[self.index + 1].kind == "KEYWORD"
            and (self.tokens[self.index + 1].text == "in")
        ):
            self.advance()
            self.advance()
            return Membership(left, self.collection(), negated=True)
        return left

    def operand(self):
        token = self.current
        if token.kind == "ATTR":
            self.advance()
            return Attribute(token.text[1:-1].lower())
        if token.kind in ("NUMBER", "STRING") or self.at_keyword("true", "false"):
            return Literal(self.literal())
        if token.kind == "LPAREN":
            self.advance()
            inner = self.expression()
            self.expect("RPAREN", "')'")
            return inner
        raise RuleSyntaxError(
            f"Expected an attribute (:name:), a value or '(', found {self._describe(token)}", token.position
        )

    def literal(self):
        token = self.current
        if token.kind == "NUMBER":
            self.advance()
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind == "STRING":
            self.advance()
            return token.text[1:-1]
        if self.at_keyword("true", "false"):
            self.advance()
            return token.text == "true"
        raise RuleSyntaxError(f"Expected a number, string or boolean, found {self._describe(token)}", token.position)

    def collection(self):
        token = self.current
        if token.kind == "LIST":
            self.advance()
            name = token.text[1:].lower()
            if name not in LIST_NAMES:
                known = ", ".join(f"@{known}" for known in sorted(LIST_NAMES))
                raise RuleSyntaxError(f"Unknown list @{name} (known lists: {known})", token.position)
            return ListRef(name)
        if token.kind == "LPAREN":
            self.advance()
            values = [self.literal()]
            while self.current.kind == "COMMA":
                self.advance()
                values.append(self.literal())
            self.expect("RPAREN", "')' or ','")
            return Collection(tuple(values))
        raise RuleSyntaxError(f"Expected @list or (values...), found {self._describe(token)}", token.position)


def parse_rule(source: str) -> ParsedRule:
    """Parse a rule such as `block if :risk_score: >= 75`; raises RuleSyntaxError with a position."""
    if not isinstance(source, str):
        raise RuleSyntaxError("A rule is text", 0)
    if len(source) > MAX_RULE_LENGTH:
        raise RuleSyntaxError(f"A rule is at most {MAX_RULE_LENGTH} characters", MAX_RULE_LENGTH)
    if not source.strip():
        raise RuleSyntaxError("A rule cannot be empty", 0)
    return _Parser(source).rule()


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
