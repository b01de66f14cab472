"""What an admin page shows, read from its HTML: the rows of its tables and its read-only fields.

Tests assert on these (a row's cells, a field's text and links) instead of on substrings of the page.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Shown:
    """A table cell or a read-only field: its text (whitespace collapsed) and the links in it."""

    text: str = ""
    links: list[str] = field(default_factory=list)

    def add_text(self, data: str) -> None:
        self.text = " ".join(f"{self.text} {data}".split())


@dataclass
class AdminPage:
    rows: dict[str, list[dict[str, Shown]]]  # table (changelist "result_list" or an inline group) -> rows
    fields: dict[str, Shown]  # read-only fields of a change form, by field name
    links: list[str]  # every href on the page

    def list_rows(self) -> list[dict[str, Shown]]:
        """The rows of a changelist."""
        return self.rows.get("result_list", [])

    def row_for(self, text: str) -> dict[str, Shown]:
        """The changelist row with a cell that reads exactly `text`."""
        (row,) = [row for row in self.list_rows() if any(cell.text == text for cell in row.values())]
        return row


def _field_name(classes: str) -> str | None:
    for name in classes.split():
        if name.startswith("field-"):
            return name.removeprefix("field-")
    return None


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: dict[str, list[dict[str, Shown]]] = {}
        self.fields: dict[str, Shown] = {}
        self.links: list[str] = []
        self.table = ""
        self.row: dict[str, Shown] | None = None
        self.form_row: str | None = None
        self.open: list[tuple[str, Shown | None]] = []  # (tag, what its text goes to)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes, target = attributes.get("class") or "", None
        if tag == "table" and attributes.get("id") == "result_list":
            self.table = "result_list"
        elif tag == "div" and (attributes.get("id") or "").endswith("-group"):
            self.table = attributes["id"].removesuffix("-group")
        elif tag == "tr":
            self.row = {}
            self.rows.setdefault(self.table, []).append(self.row)
        elif tag in ("td", "th", "p") and self.row is not None and _field_name(classes):
            target = self.row[_field_name(classes)] = Shown()
        elif tag == "div" and "form-row" in classes.split() and _field_name(classes):
            self.form_row = _field_name(classes)
        elif tag == "div" and "readonly" in classes.split() and self.form_row:
            target = self.fields[self.form_row] = Shown()
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
            for _, shown in reversed(self.open):
                if shown is not None:
                    shown.links.append(attributes["href"])
                    break
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self.open.append((tag, target))

    def handle_endtag(self, tag):
        while self.open:
            opened, _ = self.open.pop()
            if opened == tag:
                break
        if tag == "tr":
            self.row = None
        if tag == "table" and self.table == "result_list":
            self.table = ""

    def handle_data(self, data):
        for _, shown in reversed(self.open):
            if shown is not None:
                shown.add_text(data)
                return


def admin_page(response) -> AdminPage:
    """The page of a 200 admin response."""
    assert response.status_code == 200, response.status_code
    reader = _Reader()
    reader.feed(response.content.decode())
    rows = {table: [row for row in found if row] for table, found in reader.rows.items()}
    return AdminPage(rows=rows, fields=reader.fields, links=reader.links)
