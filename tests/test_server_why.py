"""The core's "why" control as the server sends it (`welcome.why`, `WhyControl`)."""

from pathlib import Path

from lotse_server.snippet import WHY_FILE, WhyControl


def test_the_built_control_in_the_page_language(tmp_path: Path) -> None:
    why = WhyControl()
    de, en, fr = why.for_lang("de"), why.for_lang("en"), why.for_lang("fr")
    assert de is not None and en is not None
    assert set(de) == {"css", "html"} and de["css"] == en["css"]
    assert 'aria-label="Warum sehe ich das?"' in de["html"]
    assert 'aria-label="Why am I seeing this?"' in en["html"]
    assert fr == en, "any other language gets English"
    # CSP-safe markup: no script, no style attribute, no handler; the host is shown by the sheet.
    for banned in ("<script", "style=", "onclick", "onerror"):
        assert banned not in de["html"]
    assert "display:block!important" in de["css"]
    assert "var(--lotse-bg" in de["css"], "themed by the documented custom properties"


def test_a_missing_or_broken_file_sends_no_control(tmp_path: Path) -> None:
    assert WhyControl(tmp_path / WHY_FILE).for_lang("de") is None
    for body in ("not json", '{"css": 1, "html": {"de": "x", "en": "y"}}', '{"css": "x"}', "[]"):
        path = tmp_path / WHY_FILE
        path.write_text(body)
        assert WhyControl(path).for_lang("de") is None, body
