"""Small sites built with the Python SDK, shared by the core tests.

They carry their own signals and intents, so the core's behaviour is tested
independently of the weights in the default catalogue.
"""

from __future__ import annotations

import lotse
from lotse import Variant

VERIFICATION_KEY = b"v" * 32
TYPES = ("patient", "hcp", "pharmacist", "applicant")


def python_site() -> lotse.Site:
    site = lotse.Site("test", origins=["https://pharma.example"])
    for kind, match, type_id, weight in (
        ("path", "fachkreise", "hcp", 3.0),
        ("path", "fachinformation", "hcp", 2.0),
        ("path", "patienten", "patient", 3.0),
        ("path", "apotheke", "pharmacist", 3.0),
        ("path", "karriere", "applicant", 3.0),
        ("path", "jobs", "applicant", 1.5),
        ("referrer", "doccheck.com", "hcp", 3.0),
        ("utm", "recruiting", "applicant", 2.0),
    ):
        site.add_signal(
            kind, match, type_id, weight, {"de": f"Seite {match}", "en": f"page {match}"}
        )  # type: ignore[arg-type]
    site.add_persona_signal("studien", "evidence", 1.0)
    site.add_persona_signal("webinar", "digital", 1.0)
    site.mark_sensitive(words=["hiv", "depression"], paths=["/privat/*"])
    site.add_intent(
        "pharmacist.role",
        "pharmacist",
        {"de": ["Ich bin Apotheker", "Apotheke"], "en": ["I am a pharmacist"]},
        {"de": "Willkommen, Apotheke!", "en": "Welcome, pharmacist!"},
    )
    site.add_intent(
        "hcp.role",
        "hcp",
        {"de": ["Ich bin Arzt", "Hausarzt"], "en": ["I am a doctor"]},
        {"de": "Willkommen in den Fachkreisen", "en": "Welcome, doctor"},
    )
    site.add_intent(
        "patient.info",
        "patient",
        {"de": ["Ich bin Patient", "Nebenwirkungen"], "en": ["I am a patient"]},
        {"de": "Hier finden Sie Ratgeber", "en": "Here are our guides"},
    )
    site.add_intent(
        "applicant.jobs",
        "applicant",
        {"de": ["Ich suche einen Job"], "en": ["I am looking for a job"]},
        {"de": "Karriere", "en": "Careers"},
    )
    site.add_slot(
        "hero",
        [
            Variant("hero-patient", "<h2>Gut informiert</h2>", ("patient",)),
            Variant("hero-hcp", "<h2>Für Fachkreise</h2>", ("hcp",)),
            Variant("hero-pharmacist", "<h2>Für Apotheken</h2>", ("pharmacist",)),
            Variant("hero-applicant", "<h2>Karriere</h2>", ("applicant",)),
            Variant(
                "hero-rx", "<h2>Produkt X (Rx)</h2>", ("hcp",), rx=True, verified_roles=("hcp",)
            ),
        ],
        max_changes=2,
    )
    site.add_slot(
        "teaser",
        [
            Variant("whitepaper", "<p>Whitepaper</p>"),
            Variant("webinars", "<p>Webinare</p>", ("hcp",)),
        ],
    )
    for goal in ("lead", "newsletter"):
        site.add_goal(goal, {"de": goal.title(), "en": goal.title()})
    site.add_rule("hero", "hero-rx", visitor_type="hcp", verified=True)
    for type_id in TYPES:
        site.add_rule("hero", f"hero-{type_id}", visitor_type=type_id)
    site.add_rule("teaser", "webinars", visitor_type="hcp", persona="digital")
    site.add_rule(
        "teaser",
        "whitepaper",
        min_visits=3,
        not_converted="lead",
        reason={"de": "Ihr dritter Besuch", "en": "Your third visit"},
    )
    return site


#: What the server lends its sessions, with the test key for professional logins.
TRUST = lotse.Trust(verification_key=VERIFICATION_KEY)


def hello(path: str = "/", *slots: str, **fields: object) -> lotse.Hello:
    """A German visitor's first page on the test site (slots: hero and teaser)."""
    fields.setdefault("lang", "de")
    return lotse.Hello(
        "test", f"https://pharma.example{path}", slots=slots or ("hero", "teaser"), **fields
    )  # type: ignore[arg-type]


def start(
    engine: lotse.Engine, path: str = "/", *, session_id: str | None = None, **fields: object
) -> lotse.Session:
    """A session of the test site past its hello on `path`."""
    now = float(fields.pop("now", 0.0))  # type: ignore[arg-type]
    session = engine.new_session(TRUST, session_id)
    session.feed(hello(path, **fields), now=now)
    return session


def page(path: str, *slots: str, referrer: str | None = None) -> lotse.PageView:
    return lotse.PageView(f"https://pharma.example{path}", slots or ("hero", "teaser"), referrer)
