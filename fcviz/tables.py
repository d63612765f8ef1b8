"""Small tables as aligned text (terminals, logs) and as HTML (Jupyter's rich display).

Every tidy result of fcviz (studies, zoo summaries, persistences) prints through these functions,
so the command line, notebooks and widgets show the same columns.
"""

from __future__ import annotations

import html

__all__ = ["format_table", "html_table", "markdown_table", "CaptionedTable"]


def format_table(rows, header):
    """Rows of values as aligned text columns under ``header`` and a rule of dashes.

    Parameters
    ----------
    rows : sequence of sequence
        One sequence of cell values per row (anything with ``str``).
    header : sequence of str
        Column titles.

    Returns
    -------
    str

    Examples
    --------
    >>> print(format_table([("Top", "1.000")], ("method", "purity")))
    method  purity
    ------  ------
    Top     1.000
    """
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def html_table(rows, header, *, caption=None):
    """The same table as HTML, escaped, for ``_repr_html_``.

    Parameters
    ----------
    rows : sequence of sequence
        Cell values.
    header : sequence of str
        Column titles.
    caption : str, optional
        A line above the table (escaped).

    Returns
    -------
    str

    Examples
    --------
    >>> html_table([("a<b", 1)], ("x", "y"))
    '<table><thead><tr><th>x</th><th>y</th></tr></thead><tbody><tr><td>a&lt;b</td><td>1</td></tr></tbody></table>'
    """
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in row) + "</tr>" for row in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if caption:
        table = f"<p>{html.escape(caption)}</p>" + table
    return table


def markdown_table(rows, header, *, caption=None):
    """The same table as GitHub-flavoured Markdown (``|`` inside a cell is escaped).

    Parameters
    ----------
    rows : sequence of sequence
        Cell values.
    header : sequence of str
        Column titles.
    caption : str, optional
        A paragraph above the table.

    Returns
    -------
    str

    Examples
    --------
    >>> print(markdown_table([("Top", "a|b")], ("method", "purity")))
    | method | purity |
    | --- | --- |
    | Top | a\\|b |
    """
    def line(cells):
        return "| " + " | ".join(str(x).replace("|", "\\|") for x in cells) + " |"

    lines = [line(header), "| " + " | ".join("---" for _ in header) + " |", *(line(row) for row in rows)]
    if caption:
        lines[:0] = [caption, ""]
    return "\n".join(lines)


class CaptionedTable:
    """Mixin for results shown as one table under a caption: text, ``print``, HTML and Markdown.

    A subclass defines ``_HEADER`` (tuple of str), ``_rows()`` (list of tuples of str) and
    ``_caption()`` (str).
    """

    def to_text(self):
        """The table as aligned text, under its caption."""
        return self._caption() + "\n" + format_table(self._rows(), self._HEADER)

    def __str__(self):
        return self.to_text()

    def _repr_html_(self):
        return html_table(self._rows(), self._HEADER, caption=self._caption())

    def to_markdown(self):
        """The table as Markdown, under its caption."""
        return markdown_table(self._rows(), self._HEADER, caption=self._caption())
