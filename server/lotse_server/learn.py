"""`lotse learn`: what Lotse would make of a site's sections, and a proposal to review.

Onboarding a site starts with its sitemap. `lotse learn SITEMAP` reads every
URL (a sitemap.xml file or URL, a sitemap index, or a plain list of URLs),
groups them into sections (path prefixes, a language prefix such as /de-de/
not counting as a level), and for each section says what a visitor entering
it would be taken for, how sure Lotse is, and why; it flags sections that
look sensitive. Then it writes a block for the site file — path signals for
sections Lotse only guesses at, sensitive path patterns — for a person to
review and paste. Nothing is applied: the marketer stays in control.

With ``--json`` it prints one object per section: ``{"path", "visitor_type":
str|null, "confidence", "sensitive": bool, "evidence": [str]}``.

The command is an adapter like the rest of `lotse_server`: it reads files and
the network (with a timeout and a size limit), and asks the core only
through its public API, exactly as a visitor's browser would.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

import lotse

#: Largest sitemap read, compressed or not, and most URLs and nested sitemaps used.
MAX_BYTES = 50_000_000
MAX_URLS = 50_000
MAX_SITEMAPS = 50
#: A page-level majority names a section's type only from this many pages and share.
MIN_PAGES = 3
MIN_SHARE = 0.75
#: Confidence from which the catalogue's own verdict on a section needs no rule.
RECOGNISED = 0.9
#: A language or locale segment (/de/, /de-de/, /fr_ch/), which is no level of its own.
_LOCALE = re.compile(r"^[a-z]{2}(?:[-_][a-z]{2})?$", re.IGNORECASE)
_SITEMAP_NS = re.compile(r"^\{[^}]*\}")


class LearnError(Exception):
    """The sitemap cannot be read; the message says why."""


# -- reading URLs ---------------------------------------------------------------------


def _fetch(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "lotse-learn"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data: bytes = response.read(MAX_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise LearnError(f"cannot fetch {url}: {exc}") from exc
    if len(data) > MAX_BYTES:
        raise LearnError(f"{url} is larger than {MAX_BYTES} bytes")
    return data


def _read(source: str, timeout: float) -> bytes:
    if re.match(r"^https?://", source, re.IGNORECASE):
        return _fetch(source, timeout)
    if source == "-":
        return sys.stdin.buffer.read(MAX_BYTES + 1)
    try:
        with Path(source).open("rb") as file:
            return file.read(MAX_BYTES + 1)
    except OSError as exc:
        raise LearnError(f"cannot read {source}: {exc}") from exc


def _text(data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise LearnError(f"not a valid gzip file: {exc}") from exc
    return data[:MAX_BYTES].decode("utf-8", errors="replace")


def read_urls(source: str, timeout: float = 10.0) -> list[str]:
    """Every page URL of a sitemap (file or URL, index or urlset) or a plain list."""
    urls: list[str] = []
    pending = [source]
    seen: set[str] = set()
    while pending and len(seen) < MAX_SITEMAPS:
        current = pending.pop(0)
        if current in seen:
            continue
        seen.add(current)
        text = _text(_read(current, timeout)).strip()
        if text.startswith("<"):
            locs, nested = _sitemap(text, current)
            urls += locs
            # A sitemap index names further sitemaps; they are fetched only when
            # the index itself came from the web or names local files.
            pending += nested
        else:
            urls += [line.strip() for line in text.splitlines() if _is_url(line.strip())]
        if len(urls) >= MAX_URLS:
            break
    return list(dict.fromkeys(urls))[:MAX_URLS]


def _is_url(line: str) -> bool:
    return bool(line) and not line.startswith("#") and (line.startswith("/") or "://" in line)


def _sitemap(text: str, where: str) -> tuple[list[str], list[str]]:
    try:
        root = ElementTree.fromstring(text)  # expat refuses entity expansion bombs
    except ElementTree.ParseError as exc:
        raise LearnError(f"{where} is not a valid sitemap: {exc}") from exc
    kind = _SITEMAP_NS.sub("", root.tag)
    locs = [
        (element.text or "").strip()
        for element in root.iter()
        if _SITEMAP_NS.sub("", element.tag) == "loc" and (element.text or "").strip()
    ]
    if kind == "sitemapindex":
        return [], locs
    return locs, []


# -- sections -------------------------------------------------------------------------


def _segments(url: str) -> tuple[str, list[str]]:
    parts = urlsplit(url if "://" in url else f"https://site.invalid{url}")
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin, [s for s in parts.path.split("/") if s]


def sections(urls: list[str], depth: int = 2) -> dict[str, list[str]]:
    """Section path -> the URLs under it (or equal to it), in order of first appearance.

    A section is a path prefix of one to `depth` levels; a language prefix
    (/de/, /de-de/) belongs to the section but is no level of its own, and a
    page's own last segment is a section only if other pages lie under it.
    """
    found: dict[str, list[str]] = {}
    directories: set[str] = set()
    paths: list[tuple[str, list[str]]] = []
    for url in urls:
        _, segments = _segments(url)
        paths.append((url, segments))
        for end in range(1, len(segments)):
            directories.add("/" + "/".join(segments[:end]) + "/")
    for url, segments in paths:
        levels = 0
        for end in range(1, len(segments) + 1):
            segment = segments[end - 1]
            prefix = "/" + "/".join(segments[:end]) + "/"
            if _LOCALE.match(segment) and levels == 0:
                continue
            levels += 1
            if levels > depth:
                break
            if end == len(segments) and prefix not in directories:
                break  # a page, not a section
            found.setdefault(prefix, []).append(url)
    return found


# -- what Lotse makes of a URL --------------------------------------------------------


@dataclass
class Verdict:
    visitor_type: str | None
    confidence: float
    sensitive: bool
    evidence: list[str] = field(default_factory=list)
    #: Whether the catalogue's own signals (not word forms or audiences) decide it.
    plain: bool = False


class Reader:
    """Feeds one fresh session per URL, as a visitor entering there would."""

    def __init__(self, site: lotse.Site) -> None:
        self.site = site
        self.engine = site.engine()
        self.signal_ids = {signal.id for signal in site.signals}
        self.plain = {
            f"{signal.kind}:{signal.match}:{signal.visitor_type}": signal.weight
            for signal in site.signals
        }
        self.memo: dict[str, Verdict] = {}

    def verdict(self, url: str) -> Verdict:
        memo = self.memo.get(url)
        if memo is not None:
            return memo
        origin, _ = _segments(url)
        address = url if "://" in url else f"{origin}{url}"
        session = self.engine.new_session()
        lang = _lang(address)
        session.feed(lotse.Hello(self.engine.site_id, address, lang=lang))
        summary = session.summary()
        decided = summary["visitor_type"]
        evidence = []
        plain = bool(session.profile.evidence)
        for key, item in session.profile.evidence.items():
            label = key.split("@", 1)[0]
            exact = self.plain.get(label)
            plain = plain and exact is not None and abs(exact - item.weight) < 1e-9
            evidence.append(f"{label.rsplit(':', 1)[0]} -> {item.visitor_type} ({item.weight:.1f})")
        verdict = Verdict(
            decided,
            float(summary["confidence"]),
            session.page.sensitive,
            evidence,
            plain and decided is not None,
        )
        self.memo[url] = verdict
        return verdict


def _lang(url: str) -> str | None:
    for segment in _segments(url)[1][:2]:
        if _LOCALE.match(segment):
            return segment[:2].lower()
    return None


@dataclass
class Section:
    path: str
    visitor_type: str | None
    confidence: float
    sensitive: bool
    evidence: list[str]
    pages: int
    #: The proposed signal's match, weight and why, or None.
    proposal: tuple[str, float, str] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "visitor_type": self.visitor_type,
            "confidence": round(self.confidence, 4),
            "sensitive": self.sensitive,
            "evidence": self.evidence,
        }


def classify(reader: Reader, path: str, urls: list[str]) -> Section:
    """What Lotse makes of a section: its own address first, then its pages."""
    origin, _ = _segments(urls[0])
    own = reader.verdict(f"{origin}{path}")
    pages = [reader.verdict(url) for url in urls]
    decided = Counter(v.visitor_type for v in pages if v.visitor_type and not v.sensitive)
    sensitive_pages = sum(v.sensitive for v in pages)
    evidence = list(own.evidence)
    if len(pages) > 1 or decided:
        summary = ", ".join(f"{n} {t}" for t, n in decided.most_common()) or "none decided"
        evidence.append(f"{len(pages)} page(s) under it: {summary}")
    if sensitive_pages:
        evidence.append(f"{sensitive_pages} page(s) under it are sensitive")
    # A section is sensitive by its own name, or when most of its pages are; a
    # single sensitive page is listed on its own (see `sensitive_pages`).
    sensitive = own.sensitive or (sensitive_pages >= 2 and sensitive_pages * 2 > len(pages))
    visitor_type, confidence = own.visitor_type, own.confidence
    if visitor_type is None and decided and len(pages) >= MIN_PAGES:
        top, count = decided.most_common(1)[0]
        share = count / len(pages)
        if share >= MIN_SHARE:
            visitor_type, confidence = top, share
    if sensitive:
        visitor_type = None
    section = Section(path, visitor_type, confidence, sensitive, evidence, len(pages))
    section.proposal = _proposal(reader, section, own)
    return section


def _proposal(reader: Reader, section: Section, own: Verdict) -> tuple[str, float, str] | None:
    """A path signal for a section Lotse recognises only by inference (word forms,
    compounds, audiences) or only by the pages under it."""
    if section.sensitive or section.visitor_type is None:
        return None
    if own.plain and own.visitor_type == section.visitor_type and own.confidence >= RECOGNISED:
        return None  # the catalogue's own signals decide it already
    segment = section.path.rstrip("/").rsplit("/", 1)[-1]
    words = lotse.normalise(segment).split()
    if not words or all(w.isdigit() or len(w) < 3 for w in words):
        return None
    match = "-".join(words)
    if f"path:{match}" in reader.signal_ids:
        return None
    if own.visitor_type == section.visitor_type:
        return match, 3.0, "its own words"
    if section.confidence < 0.9:
        return None
    # Named after its pages only: a hint, so that a generic name ("service")
    # never decides alone; the reviewer sees why.
    return match, 2.0, "the pages under it (check that the name says so)"


# -- the proposal ---------------------------------------------------------------------


def proposal(reader: Reader, found: list[Section], count: int) -> str:
    """The block to review and paste into the site file: signals, then sensitive paths."""
    labels = {t.id: t.label for t in reader.site.visitor_types}
    lines = [
        f"# Proposed by `lotse learn` from {count} URL(s) in {len(found)} section(s).",
        "# Nothing here is applied: review each entry, paste what is right into the site",
        "# file, then run `lotse check`.",
    ]
    for section in found:
        if section.proposal is None:
            continue
        match, weight, how = section.proposal
        visitor_type = section.visitor_type or ""
        label = labels.get(visitor_type, {})
        reason = _reasons(label) or {"en": f"You visited {section.path}"}
        lines += [
            "",
            f"# {section.path} -> {visitor_type} ({section.confidence:.2f}), from {how}",
            "[[signal]]",
            'kind = "path"',
            f"match = {json.dumps(match)}",
            f"visitor_type = {json.dumps(visitor_type)}",
            f"weight = {weight}",
            "reason = { "
            + ", ".join(
                f"{lang} = {json.dumps(text, ensure_ascii=False)}" for lang, text in reason.items()
            )
            + " }",
        ]
    sensitive = [section.path + "*" for section in found if section.sensitive]
    sensitive += [path for path in sensitive_pages(reader, found) if path not in sensitive]
    if sensitive:
        lines += [
            "",
            "# Sections that look sensitive: no evidence, no swap, no chat there.",
            "[sensitive]",
        ]
        lines.append("paths = [")
        lines += [f"    {json.dumps(path)}," for path in sensitive]
        lines.append("]")
    return "\n".join(lines) + "\n"


def sensitive_pages(reader: Reader, found: list[Section]) -> list[str]:
    """Sensitive pages outside any sensitive section, by their exact path."""
    covered = [section.path for section in found if section.sensitive]
    pages = []
    for url, verdict in reader.memo.items():
        path = urlsplit(url).path or "/"
        if verdict.sensitive and not any(path.startswith(prefix) for prefix in covered):
            pages.append(path)
    return sorted(set(pages))


def _pairs(text: dict[str, str]) -> list[str]:
    return [f"{lang} = {json.dumps(value, ensure_ascii=False)}" for lang, value in text.items()]


def _reasons(label: dict[str, str]) -> dict[str, str]:
    """Why am I seeing this, from the visitor type's label (edit to taste)."""
    templates = {
        "de": "Sie haben Seiten für {} besucht",
        "en": "You visited pages for: {}",
        "fr": "Vous avez consulté des pages pour : {}",
    }
    return {lang: templates[lang].format(text) for lang, text in label.items() if lang in templates}


# -- the command ------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "sitemap",
        help="sitemap.xml or sitemap index (a file, or an http(s) URL fetched with a timeout), "
        "a file of URLs one per line, or - for standard input",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per section")
    parser.add_argument(
        "--site", help="site file whose own signals count too (default: the catalogue alone)"
    )
    parser.add_argument(
        "--depth", type=int, default=2, help="section levels below the language prefix (default 2)"
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for a sitemap URL (default 10)"
    )
    parser.add_argument("--output", help="also write the proposed block to this file")


def run(args: argparse.Namespace) -> int:
    try:
        urls = read_urls(args.sitemap, args.timeout)
    except LearnError as exc:
        sys.stderr.write(f"lotse learn: {exc}\n")
        return 2
    if not urls:
        sys.stderr.write(f"lotse learn: no URLs in {args.sitemap}\n")
        return 1
    site = lotse.load_site(Path(args.site) if args.site else None)
    reader = Reader(site)
    found = [classify(reader, path, pages) for path, pages in sections(urls, args.depth).items()]
    block = proposal(reader, found, len(urls))
    if args.output:
        Path(args.output).write_text(block, encoding="utf-8")
    if args.json:
        for section in found:
            sys.stdout.write(orjson.dumps(section.to_json()).decode() + "\n")
        return 0
    width = max((len(s.path) for s in found), default=10)
    for section in found:
        who = "SENSITIVE" if section.sensitive else (section.visitor_type or "-")
        sys.stdout.write(
            f"{section.path:<{width}}  {who:<10} {section.confidence:.2f}  "
            f"{'; '.join(section.evidence) or 'no evidence'}\n"
        )
    sys.stdout.write("\n" + block)
    return 0
