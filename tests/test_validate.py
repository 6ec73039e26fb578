"""Checking a site: where each problem is reported and what it suggests."""

from pathlib import Path

import lotse
from _site_files import write
from lotse import Problem, Variant
from lotse._model import Origin
from lotse._toml_lines import KeyLines
from lotse._validate import did_you_mean


def test_did_you_mean_suggests_the_closest_name_else_lists_them() -> None:
    assert did_you_mean("holdot", ("slot", "holdout", "when")) == "did you mean 'holdout'?"
    assert did_you_mean("colour", ("when", "slot")) == "use one of: slot, when"
    assert did_you_mean("x", (), "declare it") == "declare it"
    assert did_you_mean("x", ("a", "b"), "add one") == "use one of: a, b; or add one"
    many = [f"intent.{n}" for n in range(30)]
    assert did_you_mean("nothing-like-it", many, "see the catalogue") == "see the catalogue"


def test_an_origin_reads_file_line_key_and_finds_its_keys() -> None:
    lines = KeyLines.scan('[[rule]]\nslot = "hero"\nwhen = { page = "/x" }\n')
    rule = Origin("site.toml", "rule[1]", 1, lines)
    assert str(rule) == "site.toml:1: rule[1]"
    assert str(rule.at("when.page")) == "site.toml:3: rule[1].when.page"
    assert str(rule.at("holdout")) == "site.toml:1: rule[1].holdout"  # not written: the table
    assert str(Origin("site.toml", line=7)) == "site.toml:7"
    assert str(Origin()) == "<python>" and str(Origin().at("when")) == "<python>"


def test_a_note_has_no_fix_and_an_error_always_has_one() -> None:
    note = Problem("note", Origin("a.toml", "x", 2), "replaces catalogue intent 'i'", "")
    assert str(note) == "note: a.toml:2: x: replaces catalogue intent 'i'"
    error = Problem("error", Origin("a.toml", "x", 2), "is missing", "add x = 1")
    assert str(error) == "error: a.toml:2: x: is missing (fix: add x = 1)"


def test_problems_of_a_python_site_name_python_and_the_fix() -> None:
    site = lotse.Site("x")
    site.add_slot("hero", [Variant("rx", "<p>Rx</p>", ("hcp",), rx=True, verified_roles=("doc",))])
    site.add_rule("hero", "rx", visitor_type="hcp", verified=True, not_converted="lead")
    assert [str(p) for p in site.check() if p.severity == "error"] == [
        "error: <python>: variant 'rx': 'doc' is not a role a login can verify "
        "(fix: use one of: hcp, pharmacist)",
        "error: <python>: rule 'hero:rx:1' names undeclared goal 'lead' "
        '(fix: declare it: [[goal]] id = "lead")',
    ]
    unverified = lotse.Site("y")
    unverified.add_slot("hero", [Variant("rx", "<p>Rx</p>", ("hcp",), rx=True)])
    (error,) = [p for p in unverified.check() if p.severity == "error"]
    assert error.fix == 'add verified_roles = ["hcp"]'


def test_the_same_phrase_in_two_intents_is_said_plainly(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[site]\nid = "x"\ncatalogue = false\n'
        '[[intent]]\nid = "a"\nvisitor_type = "hcp"\nphrases.de = ["Muster bestellen"]\n'
        '[[intent]]\nid = "b"\nvisitor_type = "pharmacist"\n'
        'phrases.en = ["samples"]\nphrases.de = ["Muster bestellen"]\n',
    )
    site = lotse.load_site(path)
    (warning,) = [p for p in site.check() if p.severity == "warning"]
    assert str(warning) == (
        f"warning: {path}:12: intent[2].phrases.de: phrase 'Muster bestellen' appears in both "
        f"intent 'b' (pharmacist) and intent 'a' (hcp, {path}:4) "
        "(fix: reword or remove one phrase so the chat can tell them apart)"
    )


def test_a_clash_with_the_catalogue_is_reported_in_the_site_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[site]\nid = "x"\n'
        '[[intent]]\nid = "hcp.pharmacy"\nvisitor_type = "hcp"\n'
        'phrases.de = ["Ich bin Apotheker"]\n',
    )
    site = lotse.load_site(path)
    warnings = [p for p in site.check() if p.severity == "warning"]
    assert warnings and all(p.origin.file == str(path) for p in warnings)
    assert str(warnings[0]).startswith(
        f"warning: {path}:6: intent[1].phrases.de: phrase 'Ich bin Apotheker' appears in both "
        "intent 'hcp.pharmacy' (hcp) and intent 'pharmacist."
    )
    assert "intents.toml:" in warnings[0].message


def test_a_signal_id_used_twice_in_python_is_an_error_with_a_fix() -> None:
    site = lotse.Site("x")
    site.add_signal("path", "fachkreis", "hcp")
    site.add_signal("path", "fachkreis", "pharmacist")
    (error,) = [p for p in site.check() if p.severity == "error"]
    assert "signal 'path:fachkreis' is defined twice" in error.message
    assert error.fix == "give one of them its own id (id = ... in TOML, signal_id= in Python)"
