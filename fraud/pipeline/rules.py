"""The rule language: a Lark grammar, and a transformer to the AST of `fraud.pipeline.rule_ast`.

`GRAMMAR` below is the whole language (keywords are case-insensitive; no `eval`, no
attribute access, nothing but this). `:name:` reads a signal of the assessment
(`:risk_score:`, `:amount_usd:`, any signal a check adds). `@name` is one of the
operator-edited lists (`@blocked_cards`, ...). A bare operand is true when the signal is
truthy. What a rule means (`matches`, `evaluate`) lives with the AST in `rule_ast`.

Every syntax error carries the 0-based character position where it was found: the whole
rule is lexed first (an unknown word or character anywhere is reported before a grammar
error), then parsed (LALR); nesting is checked before the AST is built.
"""

from __future__ import annotations

from dataclasses import dataclass

from lark import Lark, Transformer, Tree
from lark import Token as LarkToken
from lark.exceptions import UnexpectedCharacters, UnexpectedToken, VisitError

from fraud.pipeline.rule_ast import (
    Attribute,
    BoolOp,
    Collection,
    Compare,
    ListLookup,
    ListRef,
    Literal,
    Membership,
    Not,
    ParsedRule,
    evaluate,
    matches,
)

__all__ = [
    "ACTIONS",
    "LIST_NAMES",
    "MAX_DEPTH",
    "MAX_RULE_LENGTH",
    "Attribute",
    "BoolOp",
    "Collection",
    "Compare",
    "ListLookup",
    "ListRef",
    "Literal",
    "Membership",
    "Not",
    "ParsedRule",
    "RuleSyntaxError",
    "Token",
    "evaluate",
    "matches",
    "parse_rule",
    "tokenize",
]

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

# Keywords outrank WORD (priority 2) and end at a word boundary, so `iffy` is a word. A bare
# word is never valid: it is in the grammar so that its error names the whole word.
GRAMMAR = r"""
rule: ACTION _IF expression

?expression: and_expr (_OR and_expr)+   -> any_of
           | and_expr
?and_expr: not_expr (_AND not_expr)+    -> all_of
         | not_expr
?not_expr: _NOT not_expr                -> negation
         | comparison
?comparison: operand COMPARE operand    -> compare
           | operand _IN collection     -> member
           | operand _NOT _IN collection -> non_member
           | operand
?operand: ATTR                          -> attribute
        | literal
        | LPAREN expression RPAREN      -> group
        | WORD                          -> unknown_word
?literal: NUMBER -> number
        | STRING -> string
        | TRUE   -> true
        | FALSE  -> false
?collection: LIST                       -> list_ref
           | LPAREN literal (COMMA literal)* RPAREN -> values

ACTION.2: /(allow|block|review)\b/i
_IF.2: /if\b/i
_AND.2: /and\b/i
_OR.2: /or\b/i
_NOT.2: /not\b/i
_IN.2: /in\b/i
TRUE.2: /true\b/i
FALSE.2: /false\b/i
ATTR: /:[A-Za-z_][A-Za-z0-9_]{0,63}:/
LIST: /@[A-Za-z_][A-Za-z0-9_]{0,63}/
NUMBER: /-?(?:\d{1,18}(?:\.\d{1,12})?|\.\d{1,12})/
STRING: /'[^'\\\n]{0,256}'|"[^"\\\n]{0,256}"/
COMPARE: /==|!=|<=|>=|=|<|>/
LPAREN: "("
RPAREN: ")"
COMMA: ","
WORD: /[A-Za-z_][A-Za-z0-9_]*/
%ignore /\s+/
"""

_PARSER = Lark(GRAMMAR, start="rule", parser="lalr", lexer="basic", propagate_positions=True)

# How a grammar error names what it expected.
_EXPECTED_WORDS = {
    "ACTION": "allow, block or review",
    "_IF": "'if'",
    "_AND": "'and'",
    "_OR": "'or'",
    "_NOT": "'not'",
    "_IN": "'in'",
    "TRUE": "true",
    "FALSE": "false",
    "ATTR": "an attribute (:name:)",
    "LIST": "@list",
    "NUMBER": "a number",
    "STRING": "a string",
    "COMPARE": "a comparison (= != < <= > >=)",
    "LPAREN": "'('",
    "RPAREN": "')'",
    "COMMA": "','",
    "$END": "end of rule",
}


class RuleSyntaxError(ValueError):
    """A rule that does not parse; `position` is the 0-based offset of the offending character."""

    def __init__(self, message: str, position: int):
        self.message = message
        self.position = position
        super().__init__(f"{message} (at position {position})")


# --- Tokens ------------------------------------------------------------------------------


def _unknown_word(token: LarkToken) -> RuleSyntaxError:
    return RuleSyntaxError(
        f"Unknown word {str(token)!r} (attributes are written :name:, lists @name, strings in quotes)",
        token.start_pos,
    )


_KEYWORD_TERMINALS = {"ACTION", "_IF", "_AND", "_OR", "_NOT", "_IN", "TRUE", "FALSE"}


@dataclass(frozen=True)
class Token:
    kind: str  # ATTR LIST NUMBER STRING COMPARE LPAREN RPAREN COMMA KEYWORD END
    text: str
    position: int


def tokenize(source: str) -> list[Token]:
    """Split `source` into tokens; raises RuleSyntaxError at the first character or word that starts none."""
    tokens: list[Token] = []
    try:
        for token in _PARSER.lex(source):
            if token.type == "WORD":
                raise _unknown_word(token)
            if token.type in _KEYWORD_TERMINALS:
                tokens.append(Token("KEYWORD", token.lower(), token.start_pos))
            else:
                tokens.append(Token(token.type, str(token), token.start_pos))
    except UnexpectedCharacters as error:
        char = source[error.pos_in_stream]
        if char in "'\"":
            raise RuleSyntaxError("Unterminated or too long string", error.pos_in_stream) from None
        raise RuleSyntaxError(f"Unexpected character {char!r}", error.pos_in_stream) from None
    tokens.append(Token("END", "", len(source)))
    return tokens


# --- Parser ------------------------------------------------------------------------------


class _ToAst(Transformer):
    """Lark's parse tree to the nodes of `rule_ast`; an unknown `@list` is a syntax error at its position."""

    def rule(self, children):
        action, condition = children
        return action.lower(), condition

    def any_of(self, operands):
        return BoolOp("or", tuple(operands))

    def all_of(self, operands):
        return BoolOp("and", tuple(operands))

    def negation(self, children):
        return Not(children[0])

    def compare(self, children):
        left, op, right = children
        return Compare("=" if op == "==" else str(op), left, right)

    def member(self, children):
        return Membership(children[0], children[1], negated=False)

    def non_member(self, children):
        return Membership(children[0], children[1], negated=True)

    def group(self, children):
        return children[1]

    def unknown_word(self, children):
        raise _unknown_word(children[0])

    def attribute(self, children):
        return Attribute(children[0][1:-1].lower())

    def number(self, children):
        text = str(children[0])
        return Literal(float(text) if "." in text else int(text))

    def string(self, children):
        return Literal(str(children[0])[1:-1])

    def true(self, children):
        return Literal(True)

    def false(self, children):
        return Literal(False)

    def values(self, children):
        return Collection(tuple(child.value for child in children if isinstance(child, Literal)))

    def list_ref(self, children):
        token = children[0]
        name = token[1:].lower()
        if name not in LIST_NAMES:
            raise _unknown_list(str(token), token.start_pos)
        return ListRef(name)


def _unknown_list(text: str, position: int) -> RuleSyntaxError:
    known = ", ".join(f"@{known}" for known in sorted(LIST_NAMES))
    return RuleSyntaxError(f"Unknown list @{text[1:].lower()} (known lists: {known})", position)


def _start(node: Tree | LarkToken) -> int:
    return node.start_pos if isinstance(node, LarkToken) else node.meta.start_pos


def _check_depth(tree: Tree) -> None:
    """Refuse nesting (parentheses and `not`) deeper than MAX_DEPTH, leftmost first, without recursion."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        children = [child for child in node.children if isinstance(child, Tree)]
        for child in reversed(children):
            nested = depth + (child.data in ("group", "negation"))
            if nested > MAX_DEPTH:
                inner = [part for part in child.children if isinstance(part, Tree)]
                raise RuleSyntaxError(f"Rule nested deeper than {MAX_DEPTH} levels", _start(inner[0]))
            stack.append((child, nested))


def _grammar_error(error: UnexpectedToken, source: str, tokens: list[Token]) -> RuleSyntaxError:
    token = error.token
    at_end = token.type == "$END"
    position = len(source) if at_end else token.start_pos
    index = next(index for index, seen in enumerate(tokens) if seen.position == position)
    for parsed in tokens[:index]:  # the parser took it as a collection, so reached it first
        if parsed.kind == "LIST" and parsed.text[1:].lower() not in LIST_NAMES:
            return _unknown_list(parsed.text, parsed.position)
    if set(error.expected) == {"_IN"}:  # `not` after an operand, but no `in`: the `not` is what is wrong
        misplaced = tokens[index - 1]
        return RuleSyntaxError(f"Unexpected {misplaced.text!r}", misplaced.position)
    found = "end of rule" if at_end else repr(str(token))
    expected = sorted({_EXPECTED_WORDS.get(name, name.lower()) for name in error.expected})
    wanted = expected[0] if len(expected) == 1 else ", ".join(expected[:-1]) + " or " + expected[-1]
    return RuleSyntaxError(f"Expected {wanted}, found {found}", position)


def parse_rule(source: str) -> ParsedRule:
    """Parse a rule such as `block if :risk_score: >= 75`; raises RuleSyntaxError with a position."""
    if not isinstance(source, str):
        raise RuleSyntaxError("A rule is text", 0)
    if len(source) > MAX_RULE_LENGTH:
        raise RuleSyntaxError(f"A rule is at most {MAX_RULE_LENGTH} characters", MAX_RULE_LENGTH)
    if not source.strip():
        raise RuleSyntaxError("A rule cannot be empty", 0)
    tokens = tokenize(source)
    try:
        tree = _PARSER.parse(source)
    except UnexpectedToken as error:
        raise _grammar_error(error, source, tokens) from None
    _check_depth(tree)
    try:
        action, condition = _ToAst().transform(tree)
    except VisitError as error:
        raise error.orig_exc from None
    return ParsedRule(action=action, condition=condition, source=source)
