"""The bundled demo website, "Lotse Demo Pharma", served by `lotse serve` itself.

A fictional pharma company's site in German (with English pages under
``/en/``), with the snippet embedded on every page, a `hero` slot above the
fold, a `teaser` slot below it, and a slot inside ``<nav>`` that must never
change. Everything is static except two small handlers:

- the package-leaflet search, a plain GET form that filters a fixed list on
  the server; the query is rendered escaped and never reaches Lotse (the
  snippet sends paths with campaign parameters only);
- the demo professional login, which answers a POST with an assertion signed
  by `lotse.issue_assertion`, as a real site's DocCheck login would.

Pages carry no inline script or style, so they run under the strict
Content-Security-Policy the app sets on every response.
"""

from __future__ import annotations

import html
import time
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

import lotse

from ..settings import Settings, is_loopback

HERE = Path(__file__).resolve().parent
SITE_PATH = HERE / "site.toml"
ASSERTION_TTL = 600


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    lang: str
    file: str
    title: str
    section: str
    other: str
    description: str = ""


PAGES: tuple[Page, ...] = (
    Page("/", "de", "de/home.html", "Startseite", "home", "/en/",
         "Lotse Demo Pharma: Arzneimittel, Ratgeber und Service – eine fiktive Demo-Website."),
    Page("/patienten/", "de", "de/patienten.html", "Patientenratgeber", "patients",
         "/en/patients/", "Ratgeber für Patientinnen, Patienten und Angehörige."),
    Page("/patienten/beipackzettel", "de", "de/beipackzettel.html", "Beipackzettel-Suche",
         "patients", "/en/patients/leaflets", "Gebrauchsinformationen zum Nachschlagen."),
    Page("/fachkreise/", "de", "de/fachkreise.html", "Fachkreise", "hcp",
         "/en/healthcare-professionals/", "Informationen für Ärztinnen und Ärzte."),
    Page("/apotheker-service/", "de", "de/apotheke.html", "Apothekenservice", "pharmacy",
         "/en/pharmacists/", "Service für Apotheken: Lieferfähigkeit und Bestellung."),
    Page("/karriere/", "de", "de/karriere.html", "Karriere", "careers", "/en/careers/",
         "Offene Stellen, Ausbildung und duales Studium."),
    Page("/themen/psychische-gesundheit", "de", "de/psychische-gesundheit.html",
         "Psychische Gesundheit", "topics", "/en/topics/mental-health",
         "Hilfe und Anlaufstellen bei psychischen Belastungen."),
    Page("/kontakt/", "de", "de/kontakt.html", "Kontakt", "contact", "/en/contact/",
         "Schreiben Sie uns."),
    Page("/datenschutz", "de", "de/datenschutz.html", "Datenschutz", "privacy", "/en/privacy",
         "Wie diese Website personalisiert – ohne Cookies."),
    Page("/en/", "en", "en/home.html", "Home", "home", "/",
         "Lotse Demo Pharma: medicines, guides and services – a fictional demo website."),
    Page("/en/patients/", "en", "en/patients.html", "Patient guides", "patients",
         "/patienten/", "Guides for patients and carers."),
    Page("/en/patients/leaflets", "en", "en/leaflets.html", "Package leaflet search",
         "patients", "/patienten/beipackzettel", "Package leaflets to look up."),
    Page("/en/healthcare-professionals/", "en", "en/professionals.html",
         "Healthcare professionals", "hcp", "/fachkreise/", "Information for physicians."),
    Page("/en/pharmacists/", "en", "en/pharmacists.html", "Pharmacy service", "pharmacy",
         "/apotheker-service/", "Services for pharmacies: availability and ordering."),
    Page("/en/careers/", "en", "en/careers.html", "Careers", "careers", "/karriere/",
         "Open positions, apprenticeships and dual study programmes."),
    Page("/en/topics/mental-health", "en", "en/mental-health.html", "Mental health",
         "topics", "/themen/psychische-gesundheit", "Help and support for mental strain."),
    Page("/en/contact/", "en", "en/contact.html", "Contact", "contact", "/kontakt/",
         "Write to us."),
    Page("/en/privacy", "en", "en/privacy.html", "Privacy", "privacy", "/datenschutz",
         "How this website personalises – without cookies."),
)  # fmt: skip

NAV: dict[str, tuple[tuple[str, str, str], ...]] = {
    "de": (
        ("/patienten/", "Patienten", "patients"),
        ("/fachkreise/", "Fachkreise", "hcp"),
        ("/apotheker-service/", "Apotheken", "pharmacy"),
        ("/karriere/", "Karriere", "careers"),
        ("/themen/psychische-gesundheit", "Gesundheitsthemen", "topics"),
    ),
    "en": (
        ("/en/patients/", "Patients", "patients"),
        ("/en/healthcare-professionals/", "Professionals", "hcp"),
        ("/en/pharmacists/", "Pharmacies", "pharmacy"),
        ("/en/careers/", "Careers", "careers"),
        ("/en/topics/mental-health", "Health topics", "topics"),
    ),
}

TEXT: dict[str, dict[str, str]] = {
    "de": {
        "home": "/",
        "contact": "/kontakt/",
        "contact_label": "Kontakt",
        "nav_label": "Hauptnavigation",
        "skip": "Zum Inhalt springen",
        "banner_label": "Hinweis zur Demo",
        "switch_label": "English",
        "other_lang": "en",
        "banner": "Demo-Website einer fiktiven Firma. Personalisierung durch Lotse – "
        "ohne Cookies. Klicken Sie auf „Fachkreise“ und beobachten Sie den Kasten oben.",
        "teaser": "<h2>Newsletter „Gesund informiert“</h2>\n"
        "<p>Einmal im Monat: neue Ratgeber, Termine unserer Patientenveranstaltungen und "
        "Neuigkeiten aus der Forschung.</p>\n"
        '<p><a class="button" href="/kontakt/?thema=newsletter">Newsletter abonnieren</a></p>',
        "footer": '<div><p class="footer-brand">Lotse Demo Pharma GmbH</p>'
        "<p>Hafenstraße 1 · 20457 Hamburg (fiktiv)</p></div>\n"
        '<ul><li><a href="/datenschutz">Datenschutz</a></li>'
        '<li><a href="/kontakt/">Kontakt</a></li>'
        '<li><a href="/karriere/">Karriere</a></li></ul>\n'
        '<p class="footer-note">Alle Präparate, Studien und Personen auf dieser Website '
        "sind erfunden. Zu Risiken und Nebenwirkungen lesen Sie die Packungsbeilage und "
        "fragen Sie Ihre Ärztin, Ihren Arzt oder in Ihrer Apotheke.</p>",
    },
    "en": {
        "home": "/en/",
        "contact": "/en/contact/",
        "contact_label": "Contact",
        "nav_label": "Main navigation",
        "skip": "Skip to content",
        "banner_label": "About this demo",
        "switch_label": "Deutsch",
        "other_lang": "de",
        "banner": "Demo website of a fictional company. Personalisation by Lotse – no "
        "cookies. Click “Professionals” and watch the box at the top.",
        "teaser": "<h2>Newsletter “Well informed”</h2>\n"
        "<p>Once a month: new guides, dates of our patient events and news from our "
        "research.</p>\n"
        '<p><a class="button" href="/en/contact/?topic=newsletter">Subscribe</a></p>',
        "footer": '<div><p class="footer-brand">Lotse Demo Pharma GmbH</p>'
        "<p>Hafenstraße 1 · 20457 Hamburg, Germany (fictional)</p></div>\n"
        '<ul><li><a href="/en/privacy">Privacy</a></li>'
        '<li><a href="/en/contact/">Contact</a></li>'
        '<li><a href="/en/careers/">Careers</a></li></ul>\n'
        '<p class="footer-note">All products, studies and people on this website are '
        "made up. For risks and side effects read the package leaflet and ask your doctor "
        "or pharmacist.</p>",
    },
}

#: The package leaflets the search filters (fictional products).
LEAFLETS: tuple[tuple[str, str, str], ...] = (
    ("Lotsamol 500 mg Tabletten", "Lotsamol 500 mg tablets", "Paracetamol"),
    ("Lotsamol Junior 250 mg Zäpfchen", "Lotsamol Junior 250 mg suppositories", "Paracetamol"),
    ("Kompassin 20 mg Hartkapseln", "Kompassin 20 mg capsules", "Omeprazol"),
    ("Ankerdipin 5 mg Tabletten", "Ankerdipin 5 mg tablets", "Amlodipin"),
    ("Leuchtfeuer Nasenspray 0,1 %", "Leuchtfeuer nasal spray 0.1 %", "Xylometazolin"),
    ("Bojenol Hustensaft", "Bojenol cough syrup", "Ambroxol"),
    ("Tidenstat 40 mg Filmtabletten", "Tidenstat 40 mg film-coated tablets", "Atorvastatin"),
    ("Lotsamab 150 mg Injektionslösung", "Lotsamab 150 mg solution for injection",
     "Lotsamab (fiktiv)"),
    ("Seemannsgarn Salbe", "Seemannsgarn ointment", "Dexpanthenol"),
    ("Flutmetin 1000 mg Tabletten", "Flutmetin 1000 mg tablets", "Metformin"),
)  # fmt: skip

MAX_QUERY = 100


@cache
def _layout() -> str:
    return (HERE / "layout.html").read_text(encoding="utf-8")


@cache
def _fragment(file: str) -> str:
    return (HERE / "pages" / file).read_text(encoding="utf-8")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _nav(page: Page) -> str:
    items = []
    for href, label, section in NAV[page.lang]:
        current = ' aria-current="page"' if section == page.section else ""
        items.append(f'        <li><a href="{href}"{current}>{label}</a></li>')
    return "\n".join(items)


def render(page: Page, content: str) -> str:
    text = TEXT[page.lang]
    values = {
        **text,
        "lang": page.lang,
        "title": html.escape(page.title),
        "description": html.escape(page.description),
        "section": page.section,
        "switch_href": page.other,
        "nav": _nav(page),
        "content": content,
    }
    out = _layout()
    for key, value in values.items():
        out = out.replace("{{" + key + "}}", value)
    return out


def leaflet_results(query: str, lang: str) -> str:
    """The search result list; the query is shown only escaped."""
    query = query.strip()[:MAX_QUERY]
    if not query:
        items = LEAFLETS
        heading = "Alle Gebrauchsinformationen" if lang == "de" else "All package leaflets"
    else:
        needle = _fold(query)
        items = tuple(
            leaflet for leaflet in LEAFLETS if any(needle in _fold(part) for part in leaflet)
        )
        shown = html.escape(query)
        heading = (
            f"{len(items)} Treffer für „{shown}“"
            if lang == "de"
            else f"{len(items)} results for “{shown}”"
        )
    rows = []
    for german, english, substance in items:
        name = german if lang == "de" else english
        label = "Wirkstoff" if lang == "de" else "Active substance"
        rows.append(
            f'<li><span class="leaflet-name">{html.escape(name)}</span>'
            f'<span class="leaflet-substance">{label}: {html.escape(substance)}</span>'
            f'<span class="leaflet-pdf">PDF</span></li>'
        )
    if not rows:
        rows.append(
            '<li class="empty">'
            + (
                "Nichts gefunden. Versuchen Sie den Wirkstoff, z. B. „Paracetamol“."
                if lang == "de"
                else "Nothing found. Try the active substance, e.g. “paracetamol”."
            )
            + "</li>"
        )
    return f'<h2 class="results-heading">{heading}</h2>\n<ul class="leaflets">{"".join(rows)}</ul>'


Handler = Callable[[Request], Awaitable[Response]]
THANKS_PATH = {"de": "/kontakt/danke", "en": "/en/contact/thanks"}


def _page_handler(page: Page) -> Handler:
    async def handler(request: Request) -> Response:
        content = _fragment(page.file)
        if "{{results}}" in content:
            query = request.query_params.get("q", "")[:MAX_QUERY]
            content = content.replace("{{query}}", html.escape(query, quote=True))
            content = content.replace("{{results}}", leaflet_results(query, page.lang))
        if "{{thanks}}" in content:
            content = content.replace("{{thanks}}", "")
        return HTMLResponse(render(page, content), headers={"Cache-Control": "no-cache"})

    return handler


def _thanks_handler(page: Page) -> Handler:
    async def handler(request: Request) -> Response:
        # The demo keeps nothing: the form's content is not even read.
        thanks = (
            '<p class="notice" role="status">Vielen Dank! (Demo: es wurde nichts gespeichert '
            "oder versendet.)</p>"
            if page.lang == "de"
            else '<p class="notice" role="status">Thank you! (Demo: nothing was stored or '
            "sent.)</p>"
        )
        content = _fragment(page.file).replace("{{thanks}}", thanks)
        return HTMLResponse(render(page, content), headers={"Cache-Control": "no-store"})

    return handler


def demo_routes(settings: Settings) -> list[BaseRoute]:
    """The demo site's pages, its assets and the demo professional login."""

    async def demo_login(request: Request) -> Response:
        # What a real site's professional login (e.g. DocCheck) would hand the snippet
        # after checking credentials. The demo checks none, so it signs only for a server
        # on localhost: a reachable server would hand anybody a valid professional login.
        if not is_loopback(settings.host):
            return JSONResponse(
                {"error": "the demo login works only when lotse serve listens on localhost"},
                status_code=403,
            )
        assertion = lotse.issue_assertion(settings.verification_key, time.time(), ttl=ASSERTION_TTL)
        return JSONResponse(
            {"assertion": assertion, "expires_in": ASSERTION_TTL},
            headers={"Cache-Control": "no-store"},
        )

    routes: list[BaseRoute] = []
    for page in PAGES:
        routes.append(Route(page.path, _page_handler(page), methods=["GET"]))
        if page.section == "contact":
            routes.append(Route(THANKS_PATH[page.lang], _thanks_handler(page), methods=["POST"]))
    routes.append(Route("/demo/login", demo_login, methods=["POST"]))
    routes.append(Mount("/assets", app=StaticFiles(directory=HERE / "assets"), name="assets"))
    return routes
