"""Language knowledge is data: intents/lang/<id>.toml per language.

The files are checked here (normalised words, no word that one language calls
a function word and another a content word), and a language that is not in
the box is added from data alone and understood.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lotse import normalise
from lotse._chat import ChatMatcher
from lotse._language import Languages, bundled_languages, language_dir, read_language
from lotse._model import Intent

LANGS = bundled_languages()


def test_every_language_file_is_read() -> None:
    assert set(LANGS.ids) >= {"de", "en", "fr"}
    assert LANGS.default == "de"
    for lang in LANGS.languages:
        assert lang.function and lang.negators and lang.role_prefixes, lang.id
        assert lang.search_parameters or lang.id != "en"


@pytest.mark.parametrize("lang", LANGS.languages, ids=lambda lang: lang.id)
def test_words_are_written_normalised(lang) -> None:  # type: ignore[no-untyped-def]
    sets = [
        lang.function, lang.clues, lang.generic, lang.clause, lang.negators,
        lang.trailing_negators, lang.negation_fillers, lang.lookback_skip, lang.statement,
        lang.others, lang.section_parts, lang.audience, lang.seek,
        *lang.synonyms.values(), *lang.roles.values(),
    ]  # fmt: skip
    for words in sets:
        for word in words:
            assert normalise(word) == word, (lang.id, word)


def test_no_function_word_is_another_languages_content_word() -> None:
    for lang in LANGS.languages:
        for other in LANGS.languages:
            if other is lang:
                continue
            content = other.generic.union(*other.synonyms.values(), *other.roles.values())
            assert not (lang.function & content), (lang.id, other.id, lang.function & content)


def test_unknown_keys_are_mistakes(tmp_path: Path) -> None:
    (tmp_path / "xx.toml").write_text('[language]\nid = "xx"\n[words]\nfuncton = "a"\n')
    with pytest.raises(ValueError, match="funct"):
        read_language(tmp_path / "xx.toml")
    assert language_dir().name == "lang"


def test_a_table_by_visitor_type_must_be_one(tmp_path: Path) -> None:
    (tmp_path / "xx.toml").write_text('[language]\nid = "xx"\n[paths]\nworkplaces = "cabinet"\n')
    with pytest.raises(ValueError, match=r"xx.toml: \[paths\] workplaces: a table of visitor type"):
        read_language(tmp_path / "xx.toml")


ITALIAN = """
[language]
id = "it"
letters = "àèéìòù"

[words]
function = "io sono e il la lo un una di da per con mi ho"
clues = "si grazie ciao"

[negation]
negators = "non né nessun"
# "non sono medico": the verb stands between the negator and the role.
fillers = "sono un una il la"

[roles]
statement = "sono"
prefixes = ["io sono", "sono"]

[inflection]
endings = "i e"
"""


def test_a_language_is_added_with_data_alone(tmp_path: Path) -> None:
    (tmp_path / "it.toml").write_text(ITALIAN, encoding="utf-8")
    languages = Languages([*LANGS.languages, read_language(tmp_path / "it.toml")])
    intents = [
        Intent("hcp.it", "hcp", {"it": ("Sono medico", "medico", "Sono infermiere")}),
        Intent("pharmacist.it", "pharmacist", {"it": ("Sono farmacista", "farmacista")}),
        Intent("patient.it", "patient", {"it": ("effetti collaterali", "foglietto illustrativo")}),
    ]
    matcher = ChatMatcher(intents, languages=languages)
    assert matcher.match("sono medico").visitor_type == "hcp"
    assert matcher.match("Sono medico").lang == "it"
    denied = matcher.match("non sono medico, sono farmacista")
    assert denied.negated == ("hcp",) and denied.visitor_type == "pharmacist"
    assert matcher.match("ho effetti collaterali").visitor_type == "patient"
