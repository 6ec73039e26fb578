"""Reading site files: strict keys, file:line in every message, catalogue overrides, goals."""

from pathlib import Path

import pytest

import lotse
from _site_files import GOOD, MISSPELLINGS, PERSONALIZED, Misspelling, with_line, write
from lotse._loader import CATALOGUE_FILES
from lotse._signals import page_facts

DEMO_SITE = Path(__file__).resolve().parents[1] / "server/lotse_server/demo/site.toml"
CATALOGUE = """\
[site]
id = "acme"
"""
#: The line of a table appended to `GOOD` after an empty line.
APPENDED = GOOD.count("\n") + 2


def swaps(site: lotse.Site, path: str, lang: str = "de") -> dict[str, str]:
    """The swaps a visitor's first page on `path` gets, slot -> html (outside any holdout)."""
    hello = lotse.Hello(site.id, f"https://www.acme.example{path}", lang=lang, slots=("hero",))
    outcome = site.new_session(session_id=PERSONALIZED).feed(hello, now=0.0)
    return {swap.slot: swap.html for swap in outcome.swaps}


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(lotse.ConfigError) as caught:
        lotse.load_site(write(tmp_path, text))
    return [str(p) for p in caught.value.problems]


def all_problems(path: Path) -> list[lotse.Problem]:
    site, problems = lotse.read_site(path)
    return [*problems, *site.check()]


def catalogue_file(name: str) -> str:
    return str(lotse.catalogue_dir() / name)


def catalogue_table(name: str, line_text: str) -> int:
    """The header line of the table in catalogue file `name` with a line `line_text`."""
    lines = Path(catalogue_file(name)).read_text(encoding="utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith(line_text))
    return next(n for n in range(at, 0, -1) if lines[n].startswith("[[")) + 1


# -- reading -------------------------------------------------------------------------


def test_a_site_file_loads_with_its_own_visitor_types(tmp_path: Path) -> None:
    site = lotse.load_site(write(tmp_path, GOOD))
    assert site.id == "acme" and site.origins == ["https://www.acme.example"]
    assert [t.id for t in site.visitor_types][-1] == "press"
    assert site.tuning.threshold == 0.8
    assert swaps(site, "/presse/") == {"hero": "<h2>Pressebereich</h2>"}


def test_the_default_catalogue_is_included_unless_switched_off(tmp_path: Path) -> None:
    with_catalogue = lotse.load_site(write(tmp_path, GOOD.replace("catalogue = false", "")))
    without = lotse.load_site(write(tmp_path, GOOD))
    assert len(with_catalogue.intents) > len(without.intents) == 1
    assert len(with_catalogue.signals) > len(without.signals) == 1
    assert with_catalogue.intents[-1].id == "press.contact"  # the site's own come last


def test_catalogue_only_site_has_intents_and_signals() -> None:
    site = lotse.load_site(None)
    assert site.intents and site.signals and site.sensitivity.words
    assert not site.slots


def test_variant_html_per_language(tmp_path: Path) -> None:
    bilingual = with_line(16, 'html.de = "<h2>Pressebereich</h2>"\nhtml.en = "<h2>Press area</h2>"')
    site = lotse.load_site(write(tmp_path, bilingual))
    assert swaps(site, "/presse/", "de") == {"hero": "<h2>Pressebereich</h2>"}
    assert swaps(site, "/presse/", "en") == {"hero": "<h2>Press area</h2>"}


def test_includes_are_read_relative_to_the_site_file(tmp_path: Path) -> None:
    more = '[[intent]]\nid = "press.more"\nvisitor_type = "press"\nphrases.en = ["press kit"]\n'
    write(tmp_path, more, "more.toml")
    site = lotse.load_site(
        write(tmp_path, with_line(4, 'catalogue = false\ninclude = ["more.toml"]'))
    )
    assert [i.id for i in site.intents] == ["press.contact", "press.more"]
    assert str(site.origin_of(site.intents[1])) == f"{tmp_path / 'more.toml'}:1: intent[1]"


# -- every problem names its file and line -------------------------------------------


def test_broken_toml_names_file_and_line(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, GOOD.replace('id = "acme"', 'id = "acme'))
    assert problem.startswith(f"error: {tmp_path / 'site.toml'}:2: not valid TOML")
    assert "fix:" in problem


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(lotse.ConfigError) as caught:
        lotse.load_site(tmp_path / "nope.toml")
    (problem,) = caught.value.problems
    assert problem.message == "file not found" and problem.origin.file.endswith("nope.toml")


def test_reference_errors_name_the_line_of_the_key_at_fault(tmp_path: Path) -> None:
    broken = with_line(20, 'variant = "hero-pres"')
    broken = with_line(39, 'visitor_type = "reporter"', broken)
    path = tmp_path / "site.toml"
    assert problems_of(tmp_path, broken) == [
        f"error: {path}:20: rule[1].variant: rule 'hero:hero-pres:1' refers to unknown variant "
        "'hero-pres' of slot 'hero' (fix: did you mean 'hero-press'?)",
        f"error: {path}:39: intent[1].visitor_type: intent 'press.contact' names unknown "
        "visitor type 'reporter' (fix: use one of: applicant, hcp, patient, pharmacist, press; "
        "or add a [[visitor_type]])",
    ]


def test_a_duplicate_names_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    found = problems_of(tmp_path, GOOD + '\n[[slot]]\nid = "hero"\n')
    assert found == [
        f"error: {path}:{APPENDED + 1}: slot[2].id: slot 'hero' is defined twice "
        f"(first at {path}:10) (fix: merge the two [[slot]] tables)"
    ]


def test_wrong_types_are_named_by_key_and_line(tmp_path: Path) -> None:
    found = problems_of(tmp_path, with_line(29, 'weight = "x"'))
    assert found == [
        f"error: {tmp_path / 'site.toml'}:29: signal[1].weight: must be float or int, not str "
        "(fix: write weight as a TOML float or int)"
    ]
    wrong_condition = with_line(21, 'when = { visitor_type = "press", verified = "yes" }')
    (problem,) = problems_of(tmp_path, wrong_condition)
    assert problem.startswith(
        f"error: {tmp_path / 'site.toml'}:21: rule[1].when.verified: must be bool"
    )


def test_rules_are_counted_from_one_in_labels_and_default_ids(tmp_path: Path) -> None:
    second = '\n[[rule]]\nslot = "hero"\nvariant = "hero-press"\nwhen = { visitor_type = "hcp" }\n'
    site, problems = lotse.read_site(write(tmp_path, GOOD + second))
    assert not problems
    assert [r.id for r in site.rules] == ["hero:hero-press:1", "press-ab", "hero:hero-press:3"]
    assert [str(site.origin_of(r)) for r in site.rules] == [
        f"{tmp_path / 'site.toml'}:18: rule[1]",
        f"{tmp_path / 'site.toml'}:61: rule[2]",
        f"{tmp_path / 'site.toml'}:{APPENDED}: rule[3]",
    ]


def test_rx_content_without_verification_is_an_error(tmp_path: Path) -> None:
    broken = with_line(15, 'audience = ["press"]\nrx = true\nverified_roles = ["hcp"]')
    simple, test = problems_of(tmp_path, broken)  # the variant, and the A/B test's arm
    assert simple.startswith(f"error: {tmp_path / 'site.toml'}:23: rule[1].when: ")
    assert test.startswith(f"error: {tmp_path / 'site.toml'}:67: rule[2].when: rule 'press-ab' ")
    for problem in (simple, test):
        assert "prescription-only (rx) variant 'hero-press'" in problem
        assert "verified = true" in problem


# -- strict keys -----------------------------------------------------------------------


@pytest.mark.parametrize("wrong", MISSPELLINGS, ids=lambda m: m.key)
def test_a_misspelt_key_in_any_table_is_an_error_that_suggests_the_right_one(
    tmp_path: Path, wrong: Misspelling
) -> None:
    assert problems_of(tmp_path, wrong.site()) == [wrong.error(tmp_path / "site.toml")]


def test_a_misspelt_catalogue_key_suggests_off(tmp_path: Path) -> None:
    found = problems_of(tmp_path, CATALOGUE + '[catalogue]\nof = ["path:karriere"]\n')
    assert found == [
        f"error: {tmp_path / 'site.toml'}:4: catalogue.of: unknown key 'of' in [catalogue] "
        "(fix: did you mean 'off'?)"
    ]


def test_an_unknown_key_with_nothing_close_lists_the_allowed_ones(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, with_line(22, 'colour = "red"'))
    assert problem.endswith(
        "rule[1].colour: unknown key 'colour' in [[rule]] "
        "(fix: use one of: arms, dose, holdout, id, reason, slot, variant, when)"
    )


def test_a_key_one_level_off_says_where_it_belongs(tmp_path: Path) -> None:
    inside_when = with_line(21, 'when = { visitor_type = "press", holdout = 0.1 }')
    (problem,) = problems_of(tmp_path, inside_when)
    assert problem.endswith(
        "21: rule[1].when.holdout: unknown key 'holdout' in a rule's `when` "
        "(fix: holdout belongs in [[rule]]; move it there)"
    )
    # The worst one: a condition outside `when` would show the variant to everyone.
    outside_when = with_line(21, 'visitor_type = "press"')
    (problem,) = problems_of(tmp_path, outside_when)
    assert problem.endswith(
        "21: rule[1].visitor_type: unknown key 'visitor_type' in [[rule]] "
        "(fix: visitor_type belongs in a rule's `when`; move it there)"
    )


def test_site_and_catalogue_sections_are_only_read_from_the_site_file(tmp_path: Path) -> None:
    write(tmp_path, '[site]\nid = "other"\n', "more.toml")
    found = problems_of(tmp_path, with_line(4, 'catalogue = false\ninclude = ["more.toml"]'))
    assert found == [
        f"error: {tmp_path / 'more.toml'}:1: site: [site] is only read from the site file "
        "itself (fix: move it to the site file)"
    ]


def test_the_catalogue_and_the_demo_site_are_valid() -> None:
    for path in (None, DEMO_SITE):
        site, problems = lotse.read_site(path)
        assert [p for p in [*problems, *site.check()] if p.severity == "error"] == []


# -- replacing and switching off catalogue items ---------------------------------------

SIDE_EFFECTS = """
[[intent]]
id = "patient.side_effects"
visitor_type = "patient"
phrases.de = ["Mir ist schwindelig"]
reply.de = "Bitte sprechen Sie mit Ihrer Ärztin."
"""


def test_a_site_intent_replaces_the_catalogue_intent_with_its_id(tmp_path: Path) -> None:
    path = write(tmp_path, CATALOGUE + SIDE_EFFECTS)
    site = lotse.load_site(path)
    (side_effects,) = [i for i in site.intents if i.id == "patient.side_effects"]
    assert side_effects.phrases == {"de": ("Mir ist schwindelig",)}
    catalogue_at = catalogue_table("intents.toml", 'id = "patient.side_effects"')
    notes = [str(p) for p in site.check() if p.severity == "note"]
    assert notes == [
        f"note: {path}:4: intent[1]: replaces catalogue intent 'patient.side_effects' "
        f"({catalogue_file('intents.toml')}:{catalogue_at})"
    ]


def test_a_site_signal_replaces_the_catalogue_signal_with_its_id(tmp_path: Path) -> None:
    signals = (
        '[[signal]]\nmatch = "karriere"\nvisitor_type = "applicant"\nweight = 1.0\n'
        '[[signal]]\nid = "path:fachkreis:hcp"\nmatch = "fachkreis"\nvisitor_type = "hcp"\n'
    )
    site = lotse.load_site(write(tmp_path, CATALOGUE + signals))
    by_id = {s.id: s for s in site.signals}
    assert by_id["path:karriere"].weight == 1.0
    assert by_id["path:fachkreis:hcp"].weight == 1.5  # the site's, with the default weight
    assert "path:fachkreis:pharmacist" in by_id  # the catalogue's other one stays
    assert [s.id for s in site.signals].count("path:karriere") == 1
    assert len([p for p in site.check() if p.severity == "note"]) == 2


def test_catalogue_items_are_switched_off_by_id(tmp_path: Path) -> None:
    off = '[catalogue]\noff = ["patient.side_effects", "path:karriere"]\n'
    path = write(tmp_path, CATALOGUE + off)
    site = lotse.load_site(path)
    assert "patient.side_effects" not in {i.id for i in site.intents}
    assert "path:karriere" not in {s.id for s in site.signals}
    assert "path:career" in {s.id for s in site.signals}
    karriere_at = catalogue_table("signals.toml", 'match = "karriere"')
    side_effects_at = catalogue_table("intents.toml", 'id = "patient.side_effects"')
    assert [str(p) for p in site.check() if p.severity == "note"] == [
        f"note: {path}:4: catalogue.off: switches off catalogue intent 'patient.side_effects' "
        f"({catalogue_file('intents.toml')}:{side_effects_at})",
        f"note: {path}:4: catalogue.off: switches off catalogue signal 'path:karriere' "
        f"({catalogue_file('signals.toml')}:{karriere_at})",
    ]
    assert not [p for p in site.check() if p.severity == "error"]


def test_an_unknown_id_to_switch_off_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    found = problems_of(tmp_path, CATALOGUE + '[catalogue]\noff = ["patient.side_efects"]\n')
    assert found == [
        f"error: {tmp_path / 'site.toml'}:4: catalogue.off: the catalogue has no intent or signal "
        "'patient.side_efects' to switch off (fix: did you mean 'patient.side_effects'?)"
    ]


def test_switching_off_without_the_catalogue_is_an_error(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, GOOD + '\n[catalogue]\noff = ["path:karriere"]\n')
    assert f"{APPENDED + 1}: catalogue.off: switches off catalogue items" in problem
    assert "catalogue = false" in problem


def test_a_duplicate_id_within_one_file_stays_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, CATALOGUE + SIDE_EFFECTS + SIDE_EFFECTS)
    found = [str(p) for p in all_problems(path) if p.severity == "error"]
    assert found == [
        f"error: {path}:11: intent[2].id: intent 'patient.side_effects' is defined twice "
        f"(first at {path}:4) (fix: rename or merge one of them)"
    ]


def test_catalogue_signal_ids_are_unique_and_name_shared_words_per_visitor_type() -> None:
    site = lotse.load_site(None)
    ids = [s.id for s in site.signals]
    assert len(ids) == len(set(ids))
    assert {"path:karriere", "path:fachkreis:hcp", "path:fachkreis:pharmacist"} <= set(ids)
    assert "path:fachkreis" not in ids
    # Every file is read: the site-like catalogue files, and the session's own sentences.
    expected = sorted([*CATALOGUE_FILES, "copy.toml"])
    assert expected == sorted(p.name for p in lotse.catalogue_dir().glob("*.toml"))


# -- goals and verified roles -------------------------------------------------------


def test_goals_are_read_with_their_names(tmp_path: Path) -> None:
    more = '\n[[goal]]\nid = "newsletter"\nname = "Newsletter"\n'
    site = lotse.load_site(write(tmp_path, GOOD + more))
    assert [(g.id, g.name) for g in site.goals] == [
        ("lead", {"de": "Anfrage", "en": "Inquiry"}),
        ("newsletter", {"de": "Newsletter", "en": "Newsletter"}),
    ]


def test_a_rule_may_only_wait_for_a_declared_goal(tmp_path: Path) -> None:
    waits = with_line(21, 'when = { visitor_type = "press", not_converted = "leads" }')
    assert problems_of(tmp_path, waits) == [
        f"error: {tmp_path / 'site.toml'}:21: rule[1].when.not_converted: rule "
        "'hero:hero-press:1' names undeclared goal 'leads' (fix: did you mean 'lead'?)"
    ]
    declared = with_line(21, 'when = { visitor_type = "press", not_converted = "lead" }')
    assert lotse.load_site(write(tmp_path, declared)).rules[0].when.not_converted == "lead"


def test_a_goal_declared_twice_is_an_error(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, GOOD + '\n[[goal]]\nid = "lead"\n')
    assert (
        f"{APPENDED + 1}: goal[2].id: goal 'lead' is defined twice "
        f"(first at {tmp_path / 'site.toml'}:44)" in problem
    )


def test_verified_roles_are_read_and_checked(tmp_path: Path) -> None:
    rx = with_line(15, 'audience = ["press"]\nrx = true\nverified_roles = ["pharmacists"]')
    rx = with_line(23, 'when = { visitor_type = "press", verified = true }', rx)
    rx = with_line(67, 'when = { visitor_type = "press", verified = true }', rx)
    assert problems_of(tmp_path, rx) == [
        f"error: {tmp_path / 'site.toml'}:17: slot[1].variant[1].verified_roles: variant "
        "'hero-press': 'pharmacists' is not a role a login can verify "
        "(fix: did you mean 'pharmacist'?)"
    ]
    site = lotse.load_site(write(tmp_path, rx.replace('"pharmacists"', '"hcp"')))
    assert site.slots[0].variants[0].verified_roles == ("hcp",)


def test_an_rx_variant_must_say_which_verified_roles_may_see_it(tmp_path: Path) -> None:
    rx = with_line(15, 'audience = ["press"]\nrx = true')
    rx = with_line(22, 'when = { visitor_type = "press", verified = true }', rx)
    rx = with_line(66, 'when = { visitor_type = "press", verified = true }', rx)
    assert problems_of(tmp_path, rx) == [
        f"error: {tmp_path / 'site.toml'}:16: slot[1].variant[1].rx: prescription-only (rx) "
        "variant 'hero-press' does not say which verified professionals may see it (a verified "
        'pharmacist is not a verified doctor) (fix: add verified_roles = ["hcp"])'
    ]


def test_a_missing_include_is_reported_where_it_is_named(tmp_path: Path) -> None:
    found = problems_of(tmp_path, with_line(4, 'catalogue = false\ninclude = ["mor.toml"]'))
    assert found == [
        f"error: {tmp_path / 'site.toml'}:5: site.include: included file 'mor.toml' not found "
        "next to site.toml (fix: check the name; includes are read relative to the site file)"
    ]


def test_tuning_out_of_range_is_reported_at_its_line(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, with_line(52, "threshold = 1.5"))
    assert problem == (
        f"error: {tmp_path / 'site.toml'}:52: tuning.threshold: tuning threshold = 1.5 is not "
        "a probability (fix: 0 < x < 1)"
    )


# -- experiments, arms and doses -------------------------------------------------------


def test_experiments_the_chat_dose_and_an_ab_test_are_read(tmp_path: Path) -> None:
    site = lotse.load_site(write(tmp_path, GOOD))
    assert site.experiments == lotse.Experiments(global_holdout=0.05, mde=0.3)
    assert site.chat_dose == lotse.Dose(per_session=2, per_visitor=3)
    plain, test = site.rules
    assert (plain.arms, plain.dose, plain.split) == ((), None, (("hero-press", 1.0),))
    assert test.id == "press-ab" and test.variant == "hero-press"  # its first variant arm
    assert test.arms == (("control", 1.0), ("hero-press", 2.0))
    assert test.split == (("control", 1 / 3), ("hero-press", 2 / 3))
    assert test.dose == lotse.Dose(per_session=3, per_visitor=6, audiences=(("digital", 2),))
    assert (
        str(site.origin_of(site.experiments, "mde"))
        == f"{tmp_path / 'site.toml'}:56: experiments.mde"
    )
    assert str(site.origin_of(site.chat_dose)) == f"{tmp_path / 'site.toml'}:59: chat.dose"


def test_without_the_sections_the_defaults_hold(tmp_path: Path) -> None:
    site = lotse.load_site(write(tmp_path, GOOD.split("\n[experiments]")[0] + "\n"))
    assert site.experiments == lotse.Experiments()
    assert site.chat_dose == lotse.Dose(per_session=1)
    # A chat dose keeps the caps it does not write: once per visit, unless it says otherwise.
    more = with_line(59, "dose = { per_visitor = 2 }")
    assert lotse.load_site(write(tmp_path, more)).chat_dose == lotse.Dose(1, 2)


def test_a_test_is_named_by_its_first_variant_arm_or_by_variant(tmp_path: Path) -> None:
    variant_b = 'html = "<h2>P</h2>"\n[[slot.variant]]\nid = "hero-press-b"\nhtml = "<h2>B</h2>"'
    tests = """
[[rule]]
slot = "hero"
arms = { control = 1, "hero-press-b" = 1, "hero-press" = 1 }
[[rule]]
slot = "hero"
variant = "hero-press"
arms = { "hero-press-b" = 1, "hero-press" = 1 }
holdout = 0
"""
    site = lotse.load_site(write(tmp_path, with_line(16, variant_b) + tests))
    assert [(r.id, r.variant) for r in site.rules[2:]] == [
        ("hero:hero-press-b:3", "hero-press-b"),
        ("hero:hero-press:4", "hero-press"),
    ]
    assert not [p for p in site.check() if p.severity != "note"]


def test_arms_may_be_a_table_of_their_own(tmp_path: Path) -> None:
    own = (
        GOOD.replace('arms = { control = 1, "hero-press" = 2 }\n', "")
        + '[rule.arms]\ncontrol = 1\nhero-press = "2"\n'
    )
    assert problems_of(tmp_path, own) == [
        f"error: {tmp_path / 'site.toml'}:68: rule[2].arms.hero-press: must be float or int, "
        "not str (fix: e.g. hero-press = 1)"
    ]
    site = lotse.load_site(write(tmp_path, own.replace('"2"', "2")))
    assert site.rules[1].arms == (("control", 1.0), ("hero-press", 2.0))


READ_ERRORS = [
    (64, "arms = {}", "64: rule[2].arms: has no arms (fix: write a weight per arm: "
        'arms = { control = 1, "my-variant" = 1 })'),
    (64, 'arms = ["control", "hero-press"]', "64: rule[2].arms: must be dict, not list "
        "(fix: write arms as a TOML dict)"),
    (64, 'arms = { control = true, "hero-press" = 1 }', "64: rule[2].arms.control: must be "
        "float or int, not bool (fix: e.g. control = 1)"),
    (66, "dose = { per_session = 2.5 }", "66: rule[2].dose.per_session: must be int, not float "
        "(fix: e.g. per_session = 3)"),
    (66, 'dose = { audiences = ["digital"] }', "66: rule[2].dose.audiences: must be dict, "
        "not list (fix: write audiences as a TOML dict)"),
    (66, 'dose = { audiences = { digital = "2" } }', "66: rule[2].dose.audiences.digital: must "
        "be int, not str (fix: e.g. digital = 2)"),
    (66, "dose = 3", "66: rule[2].dose: must be dict, not int (fix: write dose as a TOML dict)"),
    (59, "dose = { per_visitor = 1.5 }", "59: chat.dose.per_visitor: must be int, not float "
        "(fix: e.g. per_visitor = 3)"),
    (55, 'global_holdout = "5%"', "55: experiments.global_holdout: must be int or float, not "
        "str (fix: e.g. global_holdout = 0.0)"),
    (64, "# no arms", "61: rule[2].variant: is missing "
        '(fix: add variant = "..." (or arms = {...}))'),
]  # fmt: skip


@pytest.mark.parametrize(("line", "text", "error"), READ_ERRORS, ids=lambda x: str(x)[:30])
def test_a_wrong_arm_dose_or_plan_is_named_by_key_and_line(
    tmp_path: Path, line: int, text: str, error: str
) -> None:
    wrong = with_line(line, text)
    assert problems_of(tmp_path, wrong) == [f"error: {tmp_path / 'site.toml'}:{error}"]


def test_keys_of_a_dose_or_the_plan_in_the_wrong_place_say_where_they_belong(
    tmp_path: Path,
) -> None:
    path = tmp_path / "site.toml"
    in_rule = with_line(66, "per_session = 3")
    assert problems_of(tmp_path, in_rule) == [
        f"error: {path}:66: rule[2].per_session: unknown key 'per_session' in [[rule]] "
        "(fix: per_session belongs in a rule's `dose`; move it there)"
    ]
    in_chat = with_line(59, "per_visitor = 2")
    assert problems_of(tmp_path, in_chat) == [
        f"error: {path}:59: chat.per_visitor: unknown key 'per_visitor' in [chat] "
        "(fix: per_visitor belongs in the chat's `dose`; move it there)"
    ]
    in_site = with_line(2, 'id = "acme"\nglobal_holdout = 0.05')
    assert problems_of(tmp_path, in_site) == [
        f"error: {path}:3: site.global_holdout: unknown key 'global_holdout' in [site] "
        "(fix: global_holdout belongs in [experiments]; move it there)"
    ]


def test_experiments_and_chat_are_only_read_from_the_site_file(tmp_path: Path) -> None:
    write(tmp_path, "[experiments]\nglobal_holdout = 0.2\n[chat]\ndose = {}\n", "more.toml")
    site, problems = lotse.read_site(
        write(tmp_path, with_line(4, 'catalogue = false\ninclude = ["more.toml"]'))
    )
    more = tmp_path / "more.toml"
    assert [str(p) for p in problems] == [
        f"error: {more}:1: experiments: [experiments] is only read from the site file itself "
        "(fix: move it to the site file)",
        f"error: {more}:3: chat: [chat] is only read from the site file itself "
        "(fix: move it to the site file)",
    ]
    assert site.experiments.global_holdout == 0.05  # the site file's


def test_sensitive_answer_words_load_and_count_in_answers_only(tmp_path: Path) -> None:
    """`[sensitive] answers`: a word sensitive in a visitor's own words, not in a path."""
    path = tmp_path / "site.toml"
    path.write_text('[site]\nid = "x"\n\n[sensitive]\nanswers = ["pep"]\n', encoding="utf-8")
    engine = lotse.load_site(path).engine()
    assert engine.names_sensitive_topic("question about PEP after a needlestick")
    assert not engine.names_sensitive_topic("does it contain pepper?")  # whole words only
    assert not engine.is_sensitive(page_facts("https://x.example/pep-talk/"))


def test_sensitive_page_words_load_and_count_on_pages_only(tmp_path: Path) -> None:
    """`[sensitive] pages`: a word that makes a page sensitive, not an answer."""
    path = tmp_path / "site.toml"
    path.write_text('[site]\nid = "x"\n\n[sensitive]\npages = ["kurschatten"]\n', encoding="utf-8")
    engine = lotse.load_site(path).engine()
    assert engine.is_sensitive(page_facts("https://x.example/ratgeber/kurschatten/"))
    assert engine.mentions_sensitive(("kurschatten",))  # a title, search or referrer
    assert not engine.names_sensitive_topic("Frage zum Kurschatten-Artikel")
