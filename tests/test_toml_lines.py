"""The key-path-to-line scanner that puts line numbers into configuration problems."""

import tomllib

import pytest

from lotse._loader import catalogue_dir
from lotse._toml_lines import KeyLines, element, parent

TEXT = '''\
# a comment with [brackets] and key = "value"
title = "top"                     # line 2
owner.name = "Ada"                # a dotted key at the top

[site]
id = "acme"
origins = [
    "https://a.example",          # [not a header]
    "https://b.example",
]

[[slot]]
id = "hero"
[[slot.variant]]
id = "one"
html = """
[[rule]]
not_a_key = "inside a string"
"""
[[slot.variant]]
id = "two"
html.de = \'\'\'<p>'quoted'</p>\'\'\'
html.en = "<p>\\"escaped\\" [x]</p>"

[[slot]]
id = "teaser"
[[slot.variant]]
id = "three"

[[rule]]
when = { visitor_type = "hcp", verified = true }
"quoted.key" = 1

[ tuning ]
threshold = 0.8
'''

LINES = KeyLines.scan(TEXT)


def test_the_fixture_is_valid_toml() -> None:
    assert tomllib.loads(TEXT)["slot"][0]["variant"][1]["html"]["de"] == "<p>'quoted'</p>"


@pytest.mark.parametrize(
    ("key", "line"),
    [
        ("title", 2),
        ("owner", 3),
        ("owner.name", 3),
        ("site", 5),
        ("site.id", 6),
        ("site.origins", 7),
        ("slot", 12),
        ("slot[1]", 12),
        ("slot[1].id", 13),
        ("slot[1].variant[1]", 14),
        ("slot[1].variant[1].html", 16),
        ("slot[1].variant[2]", 20),
        ("slot[1].variant[2].id", 21),
        ("slot[1].variant[2].html", 22),
        ("slot[1].variant[2].html.en", 23),
        ("slot[2]", 25),
        ("slot[2].variant[1]", 27),  # counted afresh under each slot
        ("slot[2].variant[1].id", 28),
        ("rule[1]", 30),
        ("rule[1].when", 31),
        ("rule[1].quoted.key", 32),
        ("tuning.threshold", 35),
    ],
)
def test_every_header_and_key_is_found_on_its_line(key: str, line: int) -> None:
    assert key in LINES
    assert LINES.line(key) == line


def test_text_inside_strings_and_comments_is_not_structure() -> None:
    assert "rule[1].not_a_key" not in LINES and "not_a_key" not in LINES
    assert "rule[2]" not in LINES  # the [[rule]] inside the multi-line string
    assert "slot[1].variant[1].not_a_key" not in LINES


def test_a_key_not_written_falls_back_to_the_nearest_enclosing_one() -> None:
    assert LINES.line("rule[1].when.verified") == 31  # inside an inline table
    assert LINES.line("slot[2].max_changes") == 25  # a default: the table's header
    assert LINES.line("slot[2].variant[1].html.de") == 27
    assert LINES.line("nowhere.at.all") is None
    assert LINES.line("") is None


def test_parent_and_element_build_the_paths_the_loader_prints() -> None:
    assert element("slot[1].variant", 2) == "slot[1].variant[2]"
    assert parent("rule[3].when.page") == "rule[3].when"
    assert parent("rule[3].when") == "rule[3]"
    assert parent("rule[3]") == "rule"
    assert parent("rule") == ""


def test_an_empty_text_has_no_keys() -> None:
    assert KeyLines.scan("").line("site") is None


@pytest.mark.parametrize("name", ["intents.toml", "signals.toml", "personas.toml"])
def test_every_catalogue_table_is_found_on_its_header(name: str) -> None:
    text = (catalogue_dir() / name).read_text(encoding="utf-8")
    lines = text.splitlines()
    array = next(iter(tomllib.loads(text)))
    headers = [n + 1 for n, line in enumerate(lines) if line.startswith(f"[[{array}]]")]
    scanned = KeyLines.scan(text)
    assert [scanned.line(element(array, n)) for n in range(1, len(headers) + 1)] == headers
    assert element(array, len(headers) + 1) not in scanned
