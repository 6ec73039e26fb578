"""`lotse preview`: a signed, expiring link that shows a page as one visitor type sees it.

In pharma every variant passes medical-legal review before it goes live, and
reviewers must see the page as each visitor would. The link is the page URL
with a `lotse_preview` parameter, signed with the server's `LOTSE_TOKEN_KEY`
(`lotse.issue_preview`): the snippet passes it in its `hello`, the server
shows every rule's variant for that visitor type (no experiment arm is
drawn, no chat), the page says it is a preview, and nothing of the session is
counted, saved or put in a metric. An altered or expired link is ignored and
the page behaves normally.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lotse

from .settings import Settings

#: The page URL's query parameter the snippet reads.
PARAMETER = "lotse_preview"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="the page to review, e.g. https://www.acme.example/produkte/")
    parser.add_argument(
        "--as",
        dest="visitor_type",
        required=True,
        metavar="TYPE",
        help="the visitor type to show it as (hcp, patient, pharmacist, …)",
    )
    parser.add_argument("--persona", help="evidence, pragmatic or digital (professionals)")
    parser.add_argument(
        "--verified",
        metavar="ROLE",
        help="as a verified professional of this role (hcp or pharmacist): shows rx content",
    )
    parser.add_argument(
        "--hours", type=float, default=24.0, help="how long the link works (default: 24)"
    )
    parser.add_argument("--site", metavar="PATH", help="site file (default: the demo site)")


def preview_url(url: str, token: str) -> str:
    """`url` with the preview parameter added (replacing an earlier one)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != PARAMETER]
    return urlunsplit(parts._replace(query=urlencode([*query, (PARAMETER, token)])))


def run(args: argparse.Namespace) -> int:
    from .cli import default_site_path

    engine = lotse.load_site(Path(args.site) if args.site else default_site_path()).engine()
    problems = []
    if args.visitor_type not in engine.type_ids:
        problems.append(f"--as {args.visitor_type!r}: use one of {', '.join(engine.type_ids)}")
    if args.persona is not None and args.persona not in ("evidence", "pragmatic", "digital"):
        problems.append(f"--persona {args.persona!r}: use evidence, pragmatic or digital")
    if args.verified is not None and args.verified != args.visitor_type:
        problems.append(f"--verified {args.verified} shows the page to a verified {args.verified}: "
                        f"pass --as {args.verified} too")  # fmt: skip
    if not 0 < args.hours <= 24 * 14:
        problems.append("--hours: between 0 and 336 (two weeks)")
    if not urlsplit(args.url).scheme.startswith("http"):
        problems.append(f"{args.url!r} is not a page address (http:// or https://)")
    if problems:
        for problem in problems:
            sys.stderr.write(f"lotse preview: {problem}\n")
        return 2
    settings = Settings.from_env()
    if "LOTSE_TOKEN_KEY" in settings.demo_secrets():
        sys.stderr.write(
            "lotse preview: LOTSE_TOKEN_KEY is not set, so the link is signed with the public "
            "demo key and works only on a server that uses it too (the local demo)\n"
        )
    try:
        token = lotse.issue_preview(
            settings.token_key,
            time.time(),
            args.visitor_type,
            persona=args.persona,
            verified_role=args.verified,
            hours=args.hours,
        )
    except ValueError as exc:
        sys.stderr.write(f"lotse preview: {exc}\n")
        return 2
    sys.stdout.write(preview_url(args.url, token) + "\n")
    return 0
