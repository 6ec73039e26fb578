"""Where each key of a TOML file was written: key paths mapped to line numbers.

`tomllib` returns plain dicts without positions, yet a configuration problem is
only quickly fixed when it names the line to change. This module scans the
text once, with the same key paths the loader uses in its messages:
``site.origins``, ``rule[3].when``, ``slot[1].variant[2].html.de``.

Array-of-tables elements are counted from 1, as a person counts the
``[[rule]]`` headers in a file; the line number makes the label unambiguous.
Only table headers and ``key =`` lines are located; a key inside an inline
table or an array (``when = { verified = true }``) is found at the line of
the key that holds it. The scanner expects text that `tomllib` has accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: One token of TOML text. Strings and comments are whole tokens, so a ``[`` or
#: ``=`` inside them is never mistaken for structure; newlines inside a
#: multi-line string are counted but do not end a statement.
_TOKEN = re.compile(
    r'''
      (?P<string>
          """(?:\\[\s\S]|[^\\])*?"""(?:"{1,2}(?!"))?   # multi-line basic (+ quotes before the end)
        | \'\'\'[\s\S]*?\'\'\'(?:\'{1,2}(?!\'))?      # multi-line literal
        | "(?:\\.|[^"\\\n])*"                         # basic
        | \'[^\'\n]*\'                                # literal
      )
    | (?P<comment>\#[^\n]*)
    | (?P<newline>\n)
    | (?P<punct>[\[\]{}=])
    | (?P<text>[^"\'\#\n\[\]{}=]+)   # bare keys, dots, numbers, commas, spaces: one run
    ''',
    re.VERBOSE,
)

_OPENING = frozenset("[{")
_CLOSING = frozenset("]}")
#: The last segment of a key path: ``[3]``, ``.name`` or a whole top-level name.
_LAST_SEGMENT = re.compile(r"(\[\d+\]|\.[^.\[\]]*|^[^.\[\]]*)$")


def element(array: str, number: int) -> str:
    """The key path of element `number` (counted from 1) of an array of tables."""
    return f"{array}[{number}]"


def parent(key: str) -> str:
    """``rule[3].when`` for ``rule[3].when.page``, ``rule`` for ``rule[3]``, then ``""``."""
    return _LAST_SEGMENT.sub("", key, count=1)


class KeyLines:
    """The line (counted from 1) on which each key path of one TOML text was written."""

    def __init__(self, lines: dict[str, int]) -> None:
        self._lines = lines

    @classmethod
    def scan(cls, text: str) -> KeyLines:
        return cls(_Scanner(text).run())

    def line(self, key: str) -> int | None:
        """The line of `key`, else of the nearest enclosing key that was written.

        A key that is missing from its table is thus placed at the table's
        header, and a key inside an inline table at the key holding it.
        """
        while key:
            if key in self._lines:
                return self._lines[key]
            key = parent(key)
        return None

    def __contains__(self, key: str) -> bool:
        return key in self._lines


class _Scanner:
    """One pass over the tokens: headers and key/value statements."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str, int]] = list(_tokens(text))
        self.at = 0
        self.lines: dict[str, int] = {}
        #: How many elements each array of tables has so far, by its resolved path.
        self.arrays: dict[str, int] = {}

    def run(self) -> dict[str, int]:
        table = ""
        while self.at < len(self.tokens):
            kind, text, line = self.tokens[self.at]
            if kind in ("newline", "comment"):
                self.at += 1
            elif text == "[":
                table = self.header(line)
            else:
                self.statement(table, line)
        return self.lines

    def header(self, line: int) -> str:
        self.at += 1
        is_array = self.peek() == "["
        if is_array:
            self.at += 1
        segments = self.key(stop="]")
        self.at += 2 if is_array else 1
        path = ""
        for index, segment in enumerate(segments):
            name = f"{path}.{segment}" if path else segment
            self.lines.setdefault(name, line)
            if is_array and index == len(segments) - 1:
                self.arrays[name] = self.arrays.get(name, 0) + 1
                name = element(name, self.arrays[name])
            elif name in self.arrays:  # a sub-table of the array's latest element
                name = element(name, self.arrays[name])
            self.lines.setdefault(name, line)
            path = name
        return path

    def statement(self, table: str, line: int) -> None:
        path = table
        for segment in self.key(stop="="):
            path = f"{path}.{segment}" if path else segment
            self.lines.setdefault(path, line)
        self.at += 1  # the "="
        self.skip_value()

    def key(self, stop: str) -> list[str]:
        """The segments of a dotted key, up to (not including) `stop`."""
        segments: list[str] = []
        while self.at < len(self.tokens):
            kind, text, _ = self.tokens[self.at]
            if text == stop or kind == "newline":
                break
            if kind == "string":
                segments.append(text[1:-1])
            else:  # bare keys between dots: `a.b`, or the `.c` after a quoted key
                segments.extend(part.strip() for part in text.split(".") if part.strip())
            self.at += 1
        return segments

    def skip_value(self) -> None:
        """Up to the end of the statement: a newline outside brackets and strings."""
        depth = 0
        while self.at < len(self.tokens):
            kind, text, _ = self.tokens[self.at]
            if kind == "newline" and depth == 0:
                return
            if text in _OPENING:
                depth += 1
            elif text in _CLOSING:
                depth -= 1
            self.at += 1

    def peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else ""


def _tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, line) of every token but whitespace."""
    line = 1
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "text"
        token = match.group()
        if kind != "text" or not token.isspace():
            yield kind, token, line
        if kind in ("newline", "string"):
            line += token.count("\n")
