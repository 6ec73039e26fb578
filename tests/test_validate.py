"""Checking a site: where each problem is reported and what it suggests."""

from pathlib import Path

import pytest

import lotse
from _site_files import with_line, write
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


def test_an_intents_type_in_person_must_be_a_visitor_type(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[site]\nid = "x"\ncatalogue = false\n'
        '[[intent]]\nid = "facts"\nin_person = "patients"\nphrases.en = ["is it vegan"]\n',
    )
    site, _ = lotse.read_site(path)
    (intent,) = site.intents
    assert intent.visitor_type is None and intent.in_person == "patients"
    (error,) = [p for p in site.check() if p.severity == "error"]
    assert str(error) == (
        f"error: {path}:6: intent[1].in_person: intent 'facts' names unknown visitor type "
        "'patients' (fix: did you mean 'patient'?)"
    )


def test_an_intent_may_say_a_search_for_it_tells_its_type(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[site]\nid = "x"\ncatalogue = false\n'
        '[[intent]]\nid = "groups"\nvisitor_type = "patient"\nsearch_tells = true\n'
        'phrases.en = ["support group"]\n',
    )
    site, _ = lotse.read_site(path)
    (intent,) = site.intents
    assert intent.search_tells
    assert site.engine().chat.search_tells("groups")
    assert [p for p in site.check() if p.severity == "error"] == []


def test_a_signal_id_used_twice_in_python_is_an_error_with_a_fix() -> None:
    site = lotse.Site("x")
    site.add_signal("path", "fachkreis", "hcp")
    site.add_signal("path", "fachkreis", "pharmacist")
    (error,) = [p for p in site.check() if p.severity == "error"]
    assert "signal 'path:fachkreis' is defined twice" in error.message
    assert error.fix == "give one of them its own id (id = ... in TOML, signal_id= in Python)"


# -- experiments and doses -------------------------------------------------------------

#: A site with an A/B/n test that `lotse check` passes quietly; the tests change one line.
TEST_SITE = """\
[site]
id = "x"
catalogue = false

[[slot]]
id = "hero"
[[slot.variant]]
id = "hero-hcp"
audience = ["hcp"]
html = "<h2>HCP</h2>"
[[slot.variant]]
id = "hero-study"
audience = ["hcp"]
html = "<h2>Studie</h2>"
[[slot.variant]]
id = "hero-rx"
audience = ["hcp"]
rx = true
verified_roles = ["hcp"]
html = "<h2>Rx</h2>"

[[rule]]
id = "ab"
slot = "hero"
arms = { control = 1, "hero-hcp" = 1, "hero-study" = 2 }
when = { visitor_type = "hcp" }
dose = { per_session = 3, per_visitor = 6, audiences = { evidence = 2 } }
"""
#: The line after `TEST_SITE`'s last, where an appended section's header goes.
END = TEST_SITE.count("\n") + 1


def findings(tmp_path: Path, text: str, severity: str = "error") -> list[str]:
    """What `read_site` and `Site.check` find of one severity, with the file as site.toml."""
    path = write(tmp_path, text)
    site, problems = lotse.read_site(path)
    return [
        str(p).replace(str(path), "site.toml")
        for p in [*problems, *site.check()]
        if p.severity == severity
    ]


def test_the_test_site_is_valid_and_quiet(tmp_path: Path) -> None:
    path = write(tmp_path, TEST_SITE)
    site = lotse.load_site(path)
    assert [p for p in site.check() if p.severity != "note"] == []
    (rule,) = site.rules
    assert rule.split == (("control", 0.25), ("hero-hcp", 0.25), ("hero-study", 0.5))


RULE_ERRORS = [
    (
        25, 'arms = { control = 1 }',
        "site.toml:25: rule[1].arms: rule 'ab' has 1 arm: a test needs two or more "
        "(fix: add control = 1 (the page's own content) or another variant of slot 'hero')",
    ),
    (
        25, 'arms = { control = 1, "hero-hpc" = 1 }',
        "site.toml:25: rule[1].arms.hero-hpc: rule 'ab': arm 'hero-hpc' is not a variant of "
        "slot 'hero' (fix: did you mean 'hero-hcp'?)",
    ),
    (
        25, 'arms = { control = 1, "teaser" = 1 }',
        "site.toml:25: rule[1].arms.teaser: rule 'ab': arm 'teaser' is not a variant of "
        "slot 'hero' (fix: use one of: control, hero-hcp, hero-rx, hero-study; or add it as "
        "[[slot.variant]], or use control (the default))",
    ),
    (
        25, 'arms = { control = 0, "hero-hcp" = 1 }',
        "site.toml:25: rule[1].arms.control: rule 'ab': arm 'control' has weight 0 "
        "(fix: weights are positive numbers, relative to each other: 1 is one share, 2 two)",
    ),
    (
        25, 'arms = { control = 0, "hero-hcp" = 0, "hero-study" = 2 }',
        "site.toml:25: rule[1].arms.control: rule 'ab': arm 'control' has weight 0 "
        "(fix: weights are positive numbers, relative to each other: 1 is one share, 2 two)\n"
        "error: site.toml:25: rule[1].arms.hero-hcp: rule 'ab': arm 'hero-hcp' has weight 0 "
        "(fix: weights are positive numbers, relative to each other: 1 is one share, 2 two)",
    ),
    (
        25, 'arms = { control = 1, "hero-hcp" = -2 }',
        "site.toml:25: rule[1].arms.hero-hcp: rule 'ab': arm 'hero-hcp' has weight -2 "
        "(fix: weights are positive numbers, relative to each other: 1 is one share, 2 two)",
    ),
    (
        25, 'arms = { control = 1, "hero-hcp" = 1, "hero-rx" = 1 }',
        "site.toml:26: rule[1].when: rule 'ab' can show prescription-only (rx) variant "
        "'hero-rx' to visitors who are not verified professionals (fix: add verified = true "
        "to the rule's `when` (inferred HCP status is never enough))",
    ),
    (
        26, 'when = { visitor_type = "hcp" }\nholdout = 0.1',
        "site.toml:27: rule[1].holdout: rule 'ab' has arms and a holdout: with arms, the "
        "control group is an arm (fix: remove holdout and add control = N to arms (its share "
        "is N / the sum of weights))",
    ),
    (
        24, 'slot = "hero"\nvariant = "hero-stdy"',
        "site.toml:25: rule[1].variant: rule 'ab' names variant 'hero-stdy', which is not one "
        "of its arms (fix: did you mean 'hero-study'?)",
    ),
    (
        23, 'id = "global"',
        "site.toml:23: rule[1].id: rule id 'global' is reserved for the site-wide holdout "
        "(fix: give the rule another id)",
    ),
    (
        27, "dose = { per_session = 0 }",
        "site.toml:27: rule[1].dose.per_session: rule 'ab': dose per_session = 0 is not a cap "
        "(fix: use a whole number from 1, or leave per_session out for no cap)",
    ),
    (
        27, "dose = { per_visitor = -1 }",
        "site.toml:27: rule[1].dose.per_visitor: rule 'ab': dose per_visitor = -1 is not a cap "
        "(fix: use a whole number from 1, or leave per_visitor out for no cap)",
    ),
    (
        27, "dose = { audiences = { evidense = 2 } }",
        "site.toml:27: rule[1].dose.audiences.evidense: rule 'ab': dose audience 'evidense' is "
        "neither a visitor type nor a persona (fix: did you mean 'evidence'?)",
    ),
    (
        27, "dose = { audiences = { hcp = 0 } }",
        "site.toml:27: rule[1].dose.audiences.hcp: rule 'ab': dose cap 0 for 'hcp' is not a "
        "cap (fix: use a whole number from 1 (page views per session))",
    ),
    (
        23, 'id = "chat"',
        "site.toml:23: rule[1].id: rule id 'chat' is the key the chat's offers are counted "
        "under across visits (fix: give the rule another id)",
    ),
    (
        23, f'id = "{"x" * 65}"',
        f"site.toml:23: rule[1].id: rule '{'x' * 65}' has a per_visitor dose, but its id is "
        "longer than 64 characters: it would not be counted across visits (fix: give the rule "
        "an id of at most 64 characters)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("line", "text", "error"), RULE_ERRORS, ids=lambda x: str(x)[:40])
def test_every_arm_and_dose_error_names_its_line_and_fix(
    tmp_path: Path, line: int, text: str, error: str
) -> None:
    expected = f"error: {error}".split("\n")
    assert findings(tmp_path, with_line(line, text, TEST_SITE)) == expected


SECTION_ERRORS = [
    (
        "[experiments]\nglobal_holdout = 0.5",
        "site.toml:{n}: experiments.global_holdout: global_holdout = 0.5 is not a share from "
        "0 to below 0.5 (fix: use e.g. 0.05: 5 % of sessions see no personalization at all)",
    ),
    (
        "[experiments]\nglobal_holdout = -0.1",
        "site.toml:{n}: experiments.global_holdout: global_holdout = -0.1 is not a share from "
        "0 to below 0.5 (fix: use e.g. 0.05: 5 % of sessions see no personalization at all)",
    ),
    (
        "[experiments]\nbaseline = 1",
        "site.toml:{n}: experiments.baseline: baseline = 1 is not a conversion rate "
        "(fix: 0 < x < 1, e.g. 0.10 when 10 % of sessions convert)",
    ),
    (
        "[experiments]\nalpha = 0",
        "site.toml:{n}: experiments.alpha: alpha = 0 is not a false-positive rate "
        "(fix: 0 < x < 1, usually 0.05)",
    ),
    (
        "[experiments]\npower = 1.2",
        "site.toml:{n}: experiments.power: power = 1.2 is not a probability "
        "(fix: 0 < x < 1, usually 0.80)",
    ),
    (
        "[experiments]\nmde = 0",
        "site.toml:{n}: experiments.mde: mde = 0 is not a lift: it is the smallest relative "
        "change worth finding (fix: a number above 0, e.g. 0.20 to detect 10 % becoming 12 %)",
    ),
    (
        "[experiments]\nmde = 1.0\nbaseline = 0.5",
        "site.toml:{n}: experiments.mde: baseline x (1 + mde) = 1: the lift the plan asks for "
        "is a conversion rate of 100 % or more (fix: lower mde (or check baseline))",
    ),
    (
        "[chat]\ndose = { per_session = 0 }",
        "site.toml:{n}: chat.dose.per_session: the chat: dose per_session = 0 is not a cap "
        "(fix: use a whole number from 1, or leave per_session out for no cap)",
    ),
    (
        "[chat]\ndose = { per_session = 2, audiences = { pharmacists = 1 } }",
        "site.toml:{n}: chat.dose.audiences.pharmacists: the chat: dose audience 'pharmacists' "
        "is neither a visitor type nor a persona (fix: did you mean 'pharmacist'?)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("section", "error"), SECTION_ERRORS, ids=lambda x: str(x)[:40])
def test_every_experiments_and_chat_error_names_its_line_and_fix(
    tmp_path: Path, section: str, error: str
) -> None:
    # The key is on the line after the header, which follows an empty line.
    found = findings(tmp_path, f"{TEST_SITE}\n{section}\n")
    assert found == [f"error: {error.format(n=END + 2)}"]


def test_a_python_site_gets_the_same_checks() -> None:
    site = lotse.Site("x")
    site.add_slot("hero", [Variant("a", "<p>A</p>"), Variant("rx", "<p>Rx</p>", rx=True)])
    site.add_rule("hero", "a", rule_id="global", arms={"control": 1, "a": 1, "rx": 1})
    site.experiments = lotse.Experiments(global_holdout=0.6)
    site.chat_dose = lotse.Dose(per_session=0)
    assert [str(p) for p in site.check() if p.severity == "error"] == [
        "error: <python>: prescription-only (rx) variant 'rx' does not say which verified "
        "professionals may see it (a verified pharmacist is not a verified doctor) "
        '(fix: add verified_roles = ["hcp"])',
        "error: <python>: rule id 'global' is reserved for the site-wide holdout "
        "(fix: give the rule another id)",
        "error: <python>: rule 'global' can show prescription-only (rx) variant 'rx' to "
        "visitors who are not verified professionals (fix: add verified = true to the rule's "
        "`when` (inferred HCP status is never enough))",
        "error: <python>: global_holdout = 0.6 is not a share from 0 to below 0.5 "
        "(fix: use e.g. 0.05: 5 % of sessions see no personalization at all)",
        "error: <python>: the chat: dose per_session = 0 is not a cap "
        "(fix: use a whole number from 1, or leave per_session out for no cap)",
    ]


def test_a_python_rule_with_arms_must_name_one_of_them() -> None:
    site = lotse.Site("x")
    site.add_slot("hero", [Variant("a", "<p>A</p>"), Variant("b", "<p>B</p>")])
    site.add_rule("hero", "c", rule_id="ab", arms={"a": 1, "b": 1})
    (error,) = [p for p in site.check() if p.severity == "error"]
    assert str(error) == (
        "error: <python>: rule 'ab' names variant 'c', which is not one of its arms "
        "(fix: use one of: a, b; or remove variant: the arms say what is shown)"
    )


def test_the_browser_counts_at_most_32_per_visitor_doses() -> None:
    site = lotse.Site("x")
    site.add_slot("hero", [Variant("a", "<p>A</p>")])
    site.chat_dose = lotse.Dose(per_session=1, per_visitor=2)
    for number in range(32):
        site.add_rule("hero", "a", rule_id=f"r{number}", holdout=0.1, dose=lotse.Dose(1, 5))
    (error,) = [p for p in site.check() if p.severity == "error"]
    assert str(error) == (
        "error: <python>: 33 rules and chat offers are capped per visitor; a browser counts at "
        "most 32, so some caps would not hold (fix: cap fewer rules per visitor "
        "(per_session needs no counting in the browser))"
    )
    site.chat_dose = lotse.Dose(per_session=1)
    assert not [p for p in site.check() if p.severity == "error"]


# -- the warning: a rule that cannot be measured ---------------------------------------

NO_CONTROL_FIX = (
    "or set [experiments] global_holdout = 0.05; holdout = 0 says it is not measured on purpose"
)
SIMPLE_RULE = 'variant = "hero-hcp"'


def test_a_rule_without_a_control_group_is_a_warning_with_the_fix(tmp_path: Path) -> None:
    simple = with_line(25, SIMPLE_RULE, TEST_SITE)
    assert findings(tmp_path, simple, "warning") == [
        "warning: site.toml:22: rule[1]: rule 'ab' has no control group and the site no "
        f"global holdout: its effect cannot be measured (fix: add holdout = 0.1, {NO_CONTROL_FIX})"
    ]
    no_control = with_line(25, 'arms = { "hero-hcp" = 1, "hero-study" = 1 }', TEST_SITE)
    assert findings(tmp_path, no_control, "warning") == [
        "warning: site.toml:25: rule[1].arms: rule 'ab' has no control group and the site no "
        "global holdout: its effect cannot be measured "
        f"(fix: add control = 1 to its arms, {NO_CONTROL_FIX})"
    ]


@pytest.mark.parametrize(
    "measured",
    [
        with_line(25, f"{SIMPLE_RULE}\nholdout = 0.1", TEST_SITE),
        with_line(25, f"{SIMPLE_RULE}\nholdout = 0", TEST_SITE),  # on purpose
        with_line(25, SIMPLE_RULE, TEST_SITE) + "\n[experiments]\nglobal_holdout = 0.05\n",
    ],
    ids=["holdout", "holdout = 0", "global holdout"],
)
def test_a_holdout_a_global_holdout_or_holdout_0_answers_the_warning(
    tmp_path: Path, measured: str
) -> None:
    assert findings(tmp_path, measured, "warning") == []


def test_lotse_check_prints_the_warning_and_serves_the_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lotse_server.cli import main

    path = write(tmp_path, with_line(25, SIMPLE_RULE, TEST_SITE))
    assert main(["check", str(path)]) == 0
    warning, summary = capsys.readouterr().out.splitlines()
    assert warning.startswith(f"warning: {path}:22: rule[1]: rule 'ab' has no control group")
    assert summary == f"{path}: valid (1 warning(s), 0 note(s))"


def test_a_python_rule_without_a_control_group_is_warned_about() -> None:
    site = lotse.Site("x")
    site.add_slot("hero", [Variant("a", "<p>A</p>", ("hcp",)), Variant("b", "<p>B</p>", ("x",))])
    site.add_rule("hero", "a", rule_id="plain")
    site.add_rule("hero", "a", rule_id="ab", arms={"control": 1, "a": 1, "b": 1})
    assert [str(p) for p in site.check() if p.severity == "warning"] == [
        "warning: <python>: rule 'plain' has no control group and the site no global holdout: "
        f"its effect cannot be measured (fix: add holdout = 0.1, {NO_CONTROL_FIX})",
        "warning: <python>: rule 'ab': its arms have no audience in common, and a test applies "
        "only to visitors every arm may be shown to (fix: the rule never fires; use variants "
        "with a common audience)",
    ]
    site.experiments = lotse.Experiments(global_holdout=0.1)
    assert len([p for p in site.check() if p.severity == "warning"]) == 1


def test_min_confidence_must_be_a_probability() -> None:
    site = lotse.Site("x")
    site.tune(min_confidence=1.2)
    (error,) = [p for p in site.check() if p.severity == "error"]
    assert "min_confidence = 1.2 is not a probability" in str(error)
    assert error.fix is not None and "0 <= x < 1" in error.fix


def test_a_negative_conflict_setting_is_an_error_with_a_fix() -> None:
    site = lotse.Site("x")
    site.tune(conflict_level=-1.0)
    (error,) = [p for p in site.check() if p.severity == "error"]
    assert "conflict_level = -1.0 is negative" in str(error)
    assert error.fix is not None and "conflict_lead = 0 turns it off" in error.fix
