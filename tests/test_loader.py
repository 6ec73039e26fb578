from pathlib import Path

import pytest

import lotse

GOOD = """
[site]
id = "acme"
origins = ["https://www.acme.example"]
catalogue = false

[[visitor_type]]
id = "press"
label = { de = "Presse", en = "Press" }

[[slot]]
id = "hero"
[[slot.variant]]
id = "hero-press"
audience = ["press"]
html = "<h2>Pressebereich</h2>"

[[rule]]
slot = "hero"
variant = "hero-press"
when = { visitor_type = "press" }
reason = { de = "Weil Sie den Pressebereich besucht haben", en = "Because you visited press" }

[[signal]]
kind = "path"
match = "presse"
visitor_type = "press"
weight = 3.0
reason.de = "Pressebereich"

[[intent]]
id = "press.contact"
visitor_type = "press"
phrases.de = ["Ich bin Journalistin"]
phrases.en = ["I am a journalist"]
reply.de = "Unser Pressebereich"

[sensitive]
paths = ["/intern/*"]

[tuning]
threshold = 0.8
"""


def write(tmp_path: Path, text: str, name: str = "site.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_site_file_loads_with_its_own_visitor_types(tmp_path: Path) -> None:
    site = lotse.load_site(write(tmp_path, GOOD))
    assert site.id == "acme" and site.origins == ["https://www.acme.example"]
    assert [t.id for t in site.visitor_types][-1] == "press"
    assert site.tuning.threshold == 0.8
    session = site.new_session(lotse.Context(lang="de"))
    messages = session.feed(lotse.PageView("https://www.acme.example/presse/", ("hero",)))
    assert [m.to_wire()["variant"] for m in messages] == ["hero-press"]


def test_the_default_catalogue_is_included_unless_switched_off(tmp_path: Path) -> None:
    with_catalogue = lotse.load_site(write(tmp_path, GOOD.replace("catalogue = false", "")))
    without = lotse.load_site(write(tmp_path, GOOD))
    assert len(with_catalogue.intents) > len(without.intents) == 1
    assert len(with_catalogue.signals) > len(without.signals)


def test_catalogue_only_site_has_intents_and_signals() -> None:
    site = lotse.load_site(None)
    assert site.intents and site.signals and site.sensitivity.words
    assert not site.slots


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(lotse.ConfigError) as caught:
        lotse.load_site(write(tmp_path, text))
    return [str(p) for p in caught.value.problems]


def test_broken_toml_names_file_and_line(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, GOOD.replace('id = "acme"', 'id = "acme'))
    assert "site.toml" in problem and "line 3" in problem and "fix:" in problem


def test_every_reference_error_is_reported_with_a_fix(tmp_path: Path) -> None:
    broken = (
        GOOD.replace('variant = "hero-press"', 'variant = "hero-journalist"').replace(
            'visitor_type = "press"\nphrases', 'visitor_type = "reporter"\nphrases'
        )
        + '\n[[slot]]\nid = "hero"\n'
    )
    found = problems_of(tmp_path, broken)
    assert any("unknown variant 'hero-journalist'" in p and "hero-press" in p for p in found)
    assert any("unknown visitor type 'reporter'" in p and "press" in p for p in found)
    assert any("slot 'hero' is defined twice" in p for p in found)
    assert all("site.toml" in p and "fix:" in p for p in found)


def test_unknown_slot_and_wrong_types_are_named_by_key(tmp_path: Path) -> None:
    broken = GOOD.replace('slot = "hero"', 'slot = "banner"').replace(
        "weight = 3.0", 'weight = "x"'
    )
    found = problems_of(tmp_path, broken)
    assert any("unknown slot 'banner'" in p for p in found)
    assert any("signal[0].weight" in p and "must be" in p for p in found)


def test_rx_content_without_verification_is_an_error(tmp_path: Path) -> None:
    broken = GOOD.replace('audience = ["press"]', 'audience = ["press"]\nrx = true')
    found = problems_of(tmp_path, broken)
    assert any("prescription-only" in p and "verified = true" in p for p in found)


def test_unknown_sections_and_conditions_are_named(tmp_path: Path) -> None:
    broken = GOOD.replace('when = { visitor_type = "press" }', 'when = { visitortype = "press" }')
    found = problems_of(tmp_path, broken + "\n[slots]\nx = 1\n")
    assert any("rule[0].when.visitortype" in p for p in found)
    assert any("unknown section 'slots'" in p for p in found)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    (problem,) = problems_of_path(tmp_path / "nope.toml")
    assert "file not found" in problem


def problems_of_path(path: Path) -> list[str]:
    with pytest.raises(lotse.ConfigError) as caught:
        lotse.load_site(path)
    return [str(p) for p in caught.value.problems]


def test_includes_are_read_relative_to_the_site_file(tmp_path: Path) -> None:
    more = '[[intent]]\nid = "press.more"\nvisitor_type = "press"\nphrases.en = ["press kit"]\n'
    write(tmp_path, more, "more.toml")
    with_include = GOOD.replace("catalogue = false", 'catalogue = false\ninclude = ["more.toml"]')
    site = lotse.load_site(write(tmp_path, with_include))
    assert {i.id for i in site.intents} == {"press.contact", "press.more"}


def test_variant_html_per_language(tmp_path: Path) -> None:
    bilingual = GOOD.replace(
        'html = "<h2>Pressebereich</h2>"',
        'html.de = "<h2>Pressebereich</h2>"\nhtml.en = "<h2>Press area</h2>"',
    )
    site = lotse.load_site(write(tmp_path, bilingual))
    for lang, expected in (("de", "<h2>Pressebereich</h2>"), ("en", "<h2>Press area</h2>")):
        session = site.new_session(lotse.Context(lang=lang))
        (swap,) = session.feed(lotse.PageView("https://www.acme.example/presse/", ("hero",)))
        assert swap.to_wire()["html"] == expected
        assert swap.to_wire()["reason"]
