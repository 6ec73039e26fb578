"""`lotse learn`: sections of a site's sitemap, what Lotse makes of them, a proposal.

Four fictional sites, structured differently: a German corporate site with a
language prefix and compound section names (sitemap.xml), an English site
whose sitemap index is served over HTTP with a gzipped part, a Swiss site
in French and German given as a plain list of URLs, and a CMS whose
addresses say little. Every proposal must pass `lotse check`.
"""

from __future__ import annotations

import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from lotse_server.cli import main
from lotse_server.learn import read_urls, sections

GERMAN = [
    "https://www.rheinland-arznei.de/de-de/",
    "https://www.rheinland-arznei.de/de-de/aerztebereich/",
    "https://www.rheinland-arznei.de/de-de/aerztebereich/kardiologie",
    "https://www.rheinland-arznei.de/de-de/aerztebereich/fachinformationen",
    "https://www.rheinland-arznei.de/de-de/patientenwelt/ernaehrung",
    "https://www.rheinland-arznei.de/de-de/patientenwelt/bewegung",
    "https://www.rheinland-arznei.de/de-de/apothekenservice/bestellung",
    "https://www.rheinland-arznei.de/de-de/karriere/stellenangebote",
    "https://www.rheinland-arznei.de/de-de/themen/hiv-praevention",
    "https://www.rheinland-arznei.de/de-de/themen/diabetes",
    "https://www.rheinland-arznei.de/de-de/themen/rheuma",
    "https://www.rheinland-arznei.de/de-de/verhuetung/pille",
    "https://www.rheinland-arznei.de/de-de/verhuetung/spirale",
    "https://www.rheinland-arznei.de/de-de/service/kontakt",
    "https://www.rheinland-arznei.de/de-de/service/presse",
]
ENGLISH_A = [
    "https://www.tamarbio.co.uk/",
    "https://www.tamarbio.co.uk/for-healthcare-providers/dosing",
    "https://www.tamarbio.co.uk/for-healthcare-providers/smpc",
    "https://www.tamarbio.co.uk/pharmacy-zone/pip-codes",
    "https://www.tamarbio.co.uk/pharmacy-zone/stock",
]
ENGLISH_B = [
    "https://www.tamarbio.co.uk/patient-support-hub/your-treatment",
    "https://www.tamarbio.co.uk/patient-support-hub/travel",
    "https://www.tamarbio.co.uk/early-careers/graduates",
    "https://www.tamarbio.co.uk/early-careers/placements",
    "https://www.tamarbio.co.uk/sexual-health/contraception",
    "https://www.tamarbio.co.uk/sexual-health/sti-testing",
]
SWISS = """\
# Léman Santé: French and German pages
https://www.leman-sante.ch/fr-ch/professionnels-de-la-sante/oncologie
https://www.leman-sante.ch/fr-ch/professionnels-de-la-sante/rcp
https://www.leman-sante.ch/fr-ch/pharmaciens/codes-cnk
https://www.leman-sante.ch/fr-ch/pharmaciens/commande-directe
https://www.leman-sante.ch/fr-ch/patients/vivre-avec-le-diabete
https://www.leman-sante.ch/fr-ch/carrieres/offres-d-emploi
https://www.leman-sante.ch/de-ch/fachpersonen/onkologie
https://www.leman-sante.ch/de-ch/lehrstellen/laborant-efz
"""
CMS = [
    "https://www.vitalis-cms.de/node/1",
    "https://www.vitalis-cms.de/node/887",
    "https://www.vitalis-cms.de/produkte/vitaxon",
    "https://www.vitalis-cms.de/fachkreise/vitaxon/studien",
    "https://www.vitalis-cms.de/fachkreise/vitaxon/muster",
    "https://www.vitalis-cms.de/fachkreise/fortbildung",
]


def urlset(urls: list[str]) -> str:
    entries = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    )


def learn(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["learn", *args])
    return code, capsys.readouterr().out


def by_path(out: str) -> dict[str, dict]:
    return {row["path"]: row for row in map(json.loads, out.splitlines())}


def passes_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, block: str, site: str = "acme"
) -> None:
    site_file = tmp_path / "site.toml"
    site_file.write_text(f'[site]\nid = "{site}"\n\n{block}', encoding="utf-8")
    code = main(["check", str(site_file)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "valid" in out.splitlines()[-1]


@pytest.fixture
def http_sitemaps(tmp_path: Path) -> Iterator[str]:
    """An index at /sitemap.xml naming a plain and a gzipped sitemap, served locally."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "pages.xml").write_text(urlset(ENGLISH_A), encoding="utf-8")
    (root / "more.xml.gz").write_bytes(gzip.compress(urlset(ENGLISH_B).encode()))

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/pages.xml</loc></sitemap>"
        f"<sitemap><loc>{base}/more.xml.gz</loc></sitemap></sitemapindex>",
        encoding="utf-8",
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{base}/sitemap.xml"
    finally:
        server.shutdown()
        server.server_close()


# -- sections ---------------------------------------------------------------------------


def test_sections_skip_the_language_prefix_and_pages() -> None:
    found = sections(GERMAN, depth=2)
    assert "/de-de/" not in found  # a language prefix is no section of its own
    assert found["/de-de/aerztebereich/"][0].endswith("/aerztebereich/")
    assert len(found["/de-de/themen/"]) == 3
    assert "/de-de/themen/diabetes/" not in found  # a page, nothing under it
    assert set(sections(["https://x.example/a/b/c/d"], depth=1)) == {"/a/"}


def test_plain_lists_skip_comments_and_blank_lines(tmp_path: Path) -> None:
    listed = tmp_path / "urls.txt"
    listed.write_text(SWISS + "\n\nnot a url\n", encoding="utf-8")
    assert len(read_urls(str(listed))) == 8


# -- four sites -----------------------------------------------------------------------------


def test_a_german_corporate_sitemap(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sitemap = tmp_path / "sitemap.xml"
    sitemap.write_text(urlset(GERMAN), encoding="utf-8")
    code, out = learn(capsys, str(sitemap), "--json")
    assert code == 0
    rows = by_path(out)
    for row in rows.values():
        assert set(row) == {"path", "visitor_type", "confidence", "sensitive", "evidence"}
        assert 0.0 <= row["confidence"] <= 1.0
        assert isinstance(row["evidence"], list)
    assert rows["/de-de/aerztebereich/"]["visitor_type"] == "hcp"
    assert rows["/de-de/patientenwelt/"]["visitor_type"] == "patient"
    assert rows["/de-de/apothekenservice/"]["visitor_type"] == "pharmacist"
    assert rows["/de-de/karriere/"]["visitor_type"] == "applicant"
    assert rows["/de-de/verhuetung/"]["sensitive"] is True
    assert rows["/de-de/verhuetung/"]["visitor_type"] is None
    assert rows["/de-de/themen/"]["sensitive"] is False  # one sensitive page of three
    assert rows["/de-de/service/"]["visitor_type"] is None

    output = tmp_path / "proposal.toml"
    code, text = learn(capsys, str(sitemap), "--output", str(output))
    block = output.read_text(encoding="utf-8")
    assert block in text
    assert 'match = "aerztebereich"' in block
    assert 'match = "karriere"' not in block  # the catalogue decides it already
    assert '"/de-de/verhuetung/*"' in block
    assert '"/de-de/themen/hiv-praevention"' in block
    assert "/de-de/service/" not in block and 'match = "service"' not in block
    passes_check(capsys, tmp_path, block)


def test_an_english_sitemap_index_over_http_with_a_gzipped_part(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, http_sitemaps: str
) -> None:
    code, out = learn(capsys, http_sitemaps, "--json", "--timeout", "5")
    assert code == 0
    rows = by_path(out)
    assert rows["/for-healthcare-providers/"]["visitor_type"] == "hcp"
    assert rows["/pharmacy-zone/"]["visitor_type"] == "pharmacist"
    assert rows["/patient-support-hub/"]["visitor_type"] == "patient"
    assert rows["/early-careers/"]["visitor_type"] == "applicant"
    assert rows["/sexual-health/"]["sensitive"] is True
    output = tmp_path / "proposal.toml"
    assert learn(capsys, http_sitemaps, "--output", str(output))[0] == 0
    passes_check(capsys, tmp_path, output.read_text(encoding="utf-8"))


def test_a_swiss_site_in_two_languages_as_a_plain_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    listed = tmp_path / "urls.txt"
    listed.write_text(SWISS, encoding="utf-8")
    code, out = learn(capsys, str(listed), "--json")
    assert code == 0
    rows = by_path(out)
    assert rows["/fr-ch/professionnels-de-la-sante/"]["visitor_type"] == "hcp"
    assert rows["/fr-ch/pharmaciens/"]["visitor_type"] == "pharmacist"
    assert rows["/fr-ch/patients/"]["visitor_type"] == "patient"
    assert rows["/fr-ch/carrieres/"]["visitor_type"] == "applicant"
    assert rows["/de-ch/fachpersonen/"]["visitor_type"] == "hcp"
    output = tmp_path / "proposal.toml"
    assert learn(capsys, str(listed), "--output", str(output))[0] == 0
    passes_check(capsys, tmp_path, output.read_text(encoding="utf-8"))


def test_a_cms_whose_addresses_say_little(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", _Stdin("\n".join(CMS)))
    code, out = learn(capsys, "-", "--json")
    assert code == 0
    rows = by_path(out)
    assert rows["/node/"]["visitor_type"] is None
    assert rows["/node/"]["evidence"] == ["2 page(s) under it: none decided"]
    assert rows["/fachkreise/"]["visitor_type"] == "hcp"
    assert rows["/fachkreise/vitaxon/"]["visitor_type"] == "hcp"


class _Stdin:
    def __init__(self, text: str) -> None:
        self.buffer = _Buffer(text.encode())


class _Buffer:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        return self.data


# -- failures -----------------------------------------------------------------------------


def test_unreadable_or_empty_sitemaps_say_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["learn", str(tmp_path / "missing.xml")]) == 2
    assert "cannot read" in capsys.readouterr().err
    broken = tmp_path / "broken.xml"
    broken.write_text("<urlset><url><loc>", encoding="utf-8")
    assert main(["learn", str(broken)]) == 2
    assert "not a valid sitemap" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    assert main(["learn", str(empty)]) == 1
    assert "no URLs" in capsys.readouterr().err
    assert main(["learn", "http://127.0.0.1:9/sitemap.xml", "--timeout", "1"]) == 2
    assert "cannot fetch" in capsys.readouterr().err
