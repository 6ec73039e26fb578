"""The `lotse` command: serve, chat, simulate, check, bench.

The CLI is an I/O adapter like the server: it reads files and standard
input, feeds the pure core and prints JSON. Its flags and JSON keys are a
contract other tools depend on (see README, "Command line").
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import orjson

import lotse

DEMO_SITE = Path(__file__).resolve().parent / "demo" / "site.toml"


def default_site_path() -> Path | None:
    """The bundled demo site, or None (catalogue only) if it is not installed."""
    return DEMO_SITE if DEMO_SITE.exists() else None


def _dump(obj: object, out: TextIO) -> None:
    out.write(orjson.dumps(obj).decode() + "\n")


def _load(path: str | None) -> lotse.Site:
    return lotse.load_site(Path(path) if path else default_site_path())


# -- chat -------------------------------------------------------------------


def chat_result(engine: lotse.Engine, text: str) -> dict[str, Any]:
    """What the chat makes of one answer, as printed by ``lotse chat --json``."""
    match = engine.chat.match(text)
    return {
        "intent": match.intent,
        "visitor_type": match.visitor_type,
        "confidence": round(min(max(match.confidence, 0.0), 1.0), 4),
        "lang": match.lang,
        "negated": list(match.negated),
        "reply": engine.chat_reply(match),
    }


def _chat(args: argparse.Namespace) -> int:
    engine = _load(args.site).engine()
    texts: Iterable[str] = [args.text] if args.text is not None else _lines(sys.stdin)
    for text in texts:
        result = chat_result(engine, text)
        if args.json:
            _dump(result, sys.stdout)
        else:
            who = result["visitor_type"] or "no visitor type"
            sys.stdout.write(
                f"{who} (intent {result['intent']}, confidence {result['confidence']:.2f})"
                f" — {result['reply']}\n"
            )
        sys.stdout.flush()  # one answer per line, at once, for tools that pipe
    return 0


def _lines(stream: TextIO) -> Iterator[str]:
    """Each input line without its line ending; an empty line is an (empty) answer."""
    for line in stream:
        yield line.rstrip("\r\n")


# -- simulate -----------------------------------------------------------------


class _Events:
    """The JSON objects of a JSON Lines stream, remembering the line each came from."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lines: list[int] = []  # event position - 1 -> line number
        self.problems = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for number, line in enumerate(self.stream, 1):
            if not line.strip():
                continue
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                self.problem(number, f"not JSON ({exc}); skipped")
                continue
            if not isinstance(value, dict):
                self.problem(number, "not a JSON object; skipped")
                continue
            self.lines.append(number)
            yield value

    def problem(self, line: int, text: str) -> None:
        self.problems += 1
        sys.stderr.write(f"line {line}: {text}\n")


def _simulate(args: argparse.Namespace) -> int:
    """Replay events as the server would; exit 1 if any line was unusable or refused."""
    site = _load(args.site)
    try:
        stream = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        sys.stderr.write(f"lotse simulate: cannot read {args.file}: {exc}\n")
        return 2
    events = _Events(stream)
    with stream:
        reports = lotse.replay(site, events, trace=args.trace)
    for report in reports:
        if args.json or args.trace:
            _dump(report, sys.stdout)
        else:
            who = report["visitor_type"] or "undecided"
            sys.stdout.write(
                f"{report['session']}: {who} ({report['confidence']:.2f}), "
                f"{len(report.get('swaps', []))} swap(s); evidence: "
                f"{'; '.join(report['evidence']) or 'none'}\n"
            )
    # Refused events, by their position in the input: the trace has one step per event.
    refused = (
        [
            (n, m)
            for n, step in enumerate(reports, 1)
            for m in step["messages"]
            if m["type"] == "error"
        ]
        if args.trace
        else [(e["event"], e) for report in reports for e in report.get("errors", [])]
    )
    for position, error in sorted(refused, key=lambda item: item[0]):
        events.problem(events.lines[position - 1], f"error {error['code']}: {error['message']}")
    return 1 if events.problems else 0


# -- check ----------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    path = Path(args.path) if args.path else default_site_path()
    site, problems = lotse.read_site(path)
    # Every line is `severity: file:line: key: message (fix: ...)`, errors first and in
    # file order; notes say which catalogue intents and signals the site replaces or
    # switches off.
    rank = {"error": 0, "warning": 1, "note": 2}
    problems = sorted(
        [*problems, *site.check()],
        key=lambda p: (rank[p.severity], p.origin.file, p.origin.line or 0),
    )
    for problem in problems:
        sys.stdout.write(f"{problem}\n")
    count = Counter(problem.severity for problem in problems)
    where = path or lotse.catalogue_dir()
    if count["error"]:
        sys.stdout.write(f"{where}: {count['error']} error(s); the site cannot be served\n")
        return 1
    sys.stdout.write(f"{where}: valid ({count['warning']} warning(s), {count['note']} note(s))\n")
    return 0


# -- entry point ----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lotse", description="Real-time personalization for health and pharma websites."
    )
    parser.add_argument("--version", action="version", version=f"lotse {lotse.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the server (default: the bundled demo site)")
    from . import serve as serve_module

    serve_module.add_arguments(serve)
    serve.set_defaults(handler=serve_module.run)

    chat = commands.add_parser("chat", help="match reason-for-visit answers to intents")
    chat.add_argument("text", nargs="?", help="an answer; without it, one answer per stdin line")
    chat.add_argument("--json", action="store_true", help="print one JSON object per answer")
    chat.add_argument("--site", help="site file (default: the bundled demo site)")
    chat.set_defaults(handler=_chat)

    simulate = commands.add_parser("simulate", help="replay JSON Lines of protocol events")
    simulate.add_argument("file", help="JSON Lines file of events, or - for standard input")
    simulate.add_argument("--json", action="store_true", help="print one JSON object per session")
    simulate.add_argument("--trace", action="store_true", help="print the state after each event")
    simulate.add_argument("--site", help="site file (default: the bundled demo site)")
    simulate.set_defaults(handler=_simulate)

    check = commands.add_parser("check", help="validate a site file and its intents")
    check.add_argument("path", nargs="?", help="site file (default: the bundled demo site)")
    check.set_defaults(handler=_check)

    bench = commands.add_parser("bench", help="measure the engine or a running server")
    from . import bench as bench_module

    bench_module.add_arguments(bench)
    bench.set_defaults(handler=bench_module.run)

    learn = commands.add_parser(
        "learn", help="what Lotse makes of a site's sitemap, and signals to review"
    )
    from . import learn as learn_module

    learn_module.add_arguments(learn)
    learn.set_defaults(handler=learn_module.run)

    report = commands.add_parser("report", help="experiment statistics: sample size, A/B results")
    from . import report as report_module

    report_module.add_arguments(report)
    report.set_defaults(handler=report_module.run)

    preview = commands.add_parser(
        "preview", help="a signed, expiring link showing a page as one visitor type sees it"
    )
    from . import preview as preview_module

    preview_module.add_arguments(preview)
    preview.set_defaults(handler=preview_module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except lotse.ConfigError as exc:
        sys.stderr.write(f"lotse: the configuration has errors:\n{exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
