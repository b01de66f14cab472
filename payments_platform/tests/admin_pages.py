"""Reading admin pages in tests as an operator reads them: a table's rows as cell texts, and the links.

Any app's admin tests may use these; they parse the HTML the browser gets, not the view's context.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class _Table:
    rows: list[list[str]] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[_Table] = []
        self.links: list[tuple[str, str]] = []
        self._table_depth = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._link: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            self._table_depth += 1
            if self._table_depth == 1:
                self.tables.append(_Table())
        elif tag == "tr" and self._table_depth:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "a" and attributes.get("href"):
            self._link = (attributes["href"], [])

    def handle_endtag(self, tag):
        if tag == "table" and self._table_depth:
            self._table_depth -= 1
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row and self.tables:
                self.tables[-1].rows.append(self._row)
            self._row = None
        elif tag == "a" and self._link is not None:
            href, text = self._link
            self.links.append((" ".join("".join(text).split()), href))
            self._link = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._link is not None:
            self._link[1].append(data)


def _parse(html: str | bytes) -> _PageParser:
    parser = _PageParser()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return parser


def table_rows(html: str | bytes, *, header: list[str]) -> list[list[str]]:
    """The data rows of the page's table whose header row names `header` (its empty cells, such as
    an action-checkbox column, left out), each as the whitespace-collapsed texts of those columns.
    Fails, listing the tables' headers, when no table has that header."""
    found = []
    for table in _parse(html).tables:
        if not table.rows:
            continue
        head = table.rows[0]
        columns = [index for index, cell in enumerate(head) if cell]
        names = [head[index] for index in columns]
        if names == header:
            return [[row[index] if index < len(row) else "" for index in columns] for row in table.rows[1:]]
        found.append(names)
    raise AssertionError(f"No table with the header {header}; the page's tables: {found}")


def page_links(html: str | bytes) -> list[tuple[str, str]]:
    """Every link on the page as (text, href), in page order."""
    return _parse(html).links
