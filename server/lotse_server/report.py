"""`lotse report`: experiment statistics on the command line.

- ``lotse report --sample-size --baseline 0.10 --mde 0.20``: sessions per arm
  for a relative minimum detectable effect, and the days that takes at a given
  traffic.
- ``lotse report --ab 400/4000 480/4000``: a two-arm result from its counts
  (conversions/sessions, the control first): rates, lift, the fixed-horizon
  and the always-valid p-value and intervals, the sample-ratio check.
- ``lotse report [--site PATH] [--data-dir DIR]``: every experiment of a site,
  read from the ledger the server keeps in DIR (read only; it may be running),
  or with ``--store redis://…`` (or ``LOTSE_STORE``, as the server has it) from
  the ledger every node of a deployment counts into in Redis.

The statistics are the core's (`lotse.sample_size_per_arm`, `lotse.compare`,
…); this module only reads arguments and prints a table for people, ``--json``
for tools (the keys are a contract, see README "Command line") or ``--csv``
for analysts. Floats are printed to four significant digits.
"""

from __future__ import annotations

import argparse
import csv
import math
import sqlite3
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import orjson

import lotse

from .experiments import site_report
from .ledger import LEDGER_FILE, open_read_only, read_rows, read_started
from .settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--sample-size",
        action="store_true",
        help="sessions per arm to detect --mde over --baseline",
    )
    mode.add_argument(
        "--ab",
        nargs=2,
        type=_counts,
        metavar=("CONTROL", "TREATMENT"),
        help="conversions/sessions of the control, then of the treatment, e.g. 400/4000 480/4000",
    )
    parser.add_argument("--baseline", type=float, help="the control's conversion rate, e.g. 0.10")
    parser.add_argument("--mde", type=float, help="relative lift to detect, e.g. 0.20 for +20 %%")
    parser.add_argument("--alpha", type=float, default=0.05, help="two-sided (default: 0.05)")
    parser.add_argument("--power", type=float, default=0.80, help="(default: 0.80)")
    parser.add_argument("--arms", type=int, default=2, help="arms sharing the traffic evenly")
    parser.add_argument(
        "--sessions-per-day", type=float, help="the experiment's traffic, for the days needed"
    )
    parser.add_argument(
        "--split",
        type=_split,
        default=(1.0, 1.0),
        help="configured control/treatment shares for --ab, e.g. 10/90 (default: 50/50)",
    )
    parser.add_argument("--site", metavar="PATH", help="site file (default: the demo site)")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where the server keeps its ledger (default: ./lotse-data or $LOTSE_DATA_DIR)",
    )
    parser.add_argument(
        "--store",
        metavar="URL",
        help="read the ledger the servers keep in Redis (lotse serve --store URL); default: "
        "$LOTSE_STORE, else the SQLite ledger in --data-dir",
    )
    parser.add_argument(
        "--visitor-type",
        metavar="TYPE",
        help="only sessions assigned while of this visitor type ('unknown': not yet decided)",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument("--csv", action="store_true", help="print CSV with a header row")


def run(args: argparse.Namespace) -> int:
    try:
        if args.sample_size:
            return _sample_size(args)
        if args.ab:
            return _ab(args)
    except ValueError as exc:  # an impossible plan or alpha, said in the core's words
        sys.stderr.write(f"lotse report: {exc}\n")
        return 2
    return _ledger(args)


def rounded(value: Any, digits: int = 4) -> Any:
    """`value` with every float to `digits` significant digits, for printing."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}") if math.isfinite(value) else value
    if isinstance(value, dict):
        return {key: rounded(item, digits) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(item, digits) for item in value]
    return value


# -- sample size ------------------------------------------------------------------------


def sample_size_report(
    baseline: float,
    mde: float,
    *,
    alpha: float = 0.05,
    power: float = 0.80,
    arms: int = 2,
    sessions_per_day: float | None = None,
) -> dict[str, Any]:
    """What ``lotse report --sample-size --json`` prints."""
    if arms < 2:
        raise ValueError(f"an experiment needs at least 2 arms, not {arms}")
    per_arm = lotse.sample_size_per_arm(baseline, mde, alpha=alpha, power=power)
    even = {str(arm): 1.0 for arm in range(arms)}
    return {
        "per_arm": per_arm,
        "arms": arms,
        "total": per_arm * arms,
        "baseline": baseline,
        "mde": mde,
        "target": baseline * (1 + mde),
        "alpha": alpha,
        "power": power,
        "sessions_per_day": sessions_per_day,
        "days": (
            lotse.days_needed(per_arm, sessions_per_day, even)
            if sessions_per_day is not None
            else None
        ),
    }


def _sample_size(args: argparse.Namespace) -> int:
    if args.baseline is None or args.mde is None:
        sys.stderr.write("lotse report: --sample-size needs --baseline and --mde\n")
        return 2
    report = rounded(
        sample_size_report(
            args.baseline,
            args.mde,
            alpha=args.alpha,
            power=args.power,
            arms=args.arms,
            sessions_per_day=args.sessions_per_day,
        )
    )
    if args.json:
        sys.stdout.write(orjson.dumps(report).decode() + "\n")
    elif args.csv:
        _write_csv([report])
    else:
        sys.stdout.write(
            f"{report['per_arm']:,} sessions per arm ({report['total']:,} for {report['arms']} "
            f"arms) to detect a {report['mde']:+.0%} relative lift on a {report['baseline']:.2%} "
            f"baseline ({report['baseline']:.2%} -> {report['target']:.2%}), two-sided alpha "
            f"{report['alpha']}, power {report['power']:.0%}.\n"
        )
        if report["days"] is not None:
            sys.stdout.write(
                f"At {report['sessions_per_day']:,g} sessions a day: {report['days']} days.\n"
            )
        elif report["sessions_per_day"] is not None:
            sys.stdout.write("With no traffic the plan is never reached.\n")
    return 0


# -- A/B result -------------------------------------------------------------------------


def ab_report(
    control: lotse.Counts,
    treatment: lotse.Counts,
    *,
    alpha: float = 0.05,
    split: tuple[float, float] = (1.0, 1.0),
) -> dict[str, Any]:
    """What ``lotse report --ab CONTROL TREATMENT --json`` prints (before rounding).

    A calculator for one look: there is no plan, so the fixed-horizon p-value is
    always shown, next to the always-valid one computed from these counts alone.
    """
    comparison = lotse.compare(control, treatment, alpha=alpha)
    arms = {"control": control, "treatment": treatment}
    interval = {arm: lotse.wilson_interval(counts, alpha=alpha) for arm, counts in arms.items()}
    return {
        "arms": {
            arm: {
                "conversions": counts.conversions,
                "sessions": counts.sessions,
                "rate": counts.rate,
                "ci": list(interval[arm] or ()) or None,
            }
            for arm, counts in arms.items()
        },
        **comparison.to_dict(),
        "srm_p": lotse.srm_p_value(
            {arm: counts.sessions for arm, counts in arms.items()},
            {"control": split[0], "treatment": split[1]},
        ),
        "split": [split[0] / sum(split), split[1] / sum(split)],
        "alpha": alpha,
    }


def _ab(args: argparse.Namespace) -> int:
    control, treatment = args.ab
    report = rounded(ab_report(control, treatment, alpha=args.alpha, split=args.split))
    if args.json:
        sys.stdout.write(orjson.dumps(report).decode() + "\n")
    elif args.csv:
        _write_csv(_ab_rows(report))
    else:
        sys.stdout.write(_ab_table(report))
    return 0


def _ab_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per arm; the comparison's figures on the treatment's row."""
    rows = []
    for arm, figures in report["arms"].items():
        low, high = figures["ci"] or (None, None)
        row: dict[str, Any] = {
            "arm": arm,
            "sessions": figures["sessions"],
            "conversions": figures["conversions"],
            "rate": figures["rate"],
            "rate_low": low,
            "rate_high": high,
        }
        treatment = arm == "treatment"
        for key in ("lift", "ci", "always_valid_ci", "absolute_lift", "absolute_ci"):
            value = report[key] if treatment else None
            if key.endswith("ci"):
                low, high = value or (None, None)
                row[f"{key}_low"], row[f"{key}_high"] = low, high
            else:
                row[key] = value
        row["p_value"] = report["p_value"] if treatment else None
        row["always_valid_p"] = report["always_valid_p"] if treatment else None
        row["srm_p"] = report["srm_p"]
        rows.append(row)
    return rows


def _ab_table(report: dict[str, Any]) -> str:
    def percent(value: float | None, sign: str = "") -> str:
        return "—" if value is None else f"{value:{sign}.2%}"

    def points(value: float | None) -> str:
        return "—" if value is None else f"{100 * value:+.2f} pp"

    def span(interval: list[float] | None, show: Callable[[float], str]) -> str:
        return "undefined" if interval is None else f"{show(interval[0])} … {show(interval[1])}"

    def lift(value: float) -> str:
        return percent(value, "+")

    level = f"{1 - report['alpha']:.0%}"
    lines = [f"{'arm':<10} {'sessions':>9} {'conversions':>12} {'rate':>8}  {level} interval"]
    for arm, figures in report["arms"].items():
        lines.append(
            f"{arm:<10} {figures['sessions']:>9,} {figures['conversions']:>12,} "
            f"{percent(figures['rate']):>8}  {span(figures['ci'], percent)}"
        )
    share = report["split"]
    srm = "mismatch: check assignment and logging" if report["srm_p"] < 0.001 else "ok"
    lines += [
        "",
        f"relative lift  {percent(report['lift'], '+')}  {level} interval "
        f"{span(report['ci'], lift)}, always valid {span(report['always_valid_ci'], lift)}",
        f"absolute lift  {points(report['absolute_lift'])}  {level} interval "
        f"{span(report['absolute_ci'], points)}, always valid "
        f"{span(report['always_valid_absolute_ci'], points)}",
        f"p-value, fixed horizon (one look at a planned size): {report['p_value']}",
        f"p-value, always valid (any number of looks): {report['always_valid_p']}",
        f"sample ratio against {share[0]:.0%}/{share[1]:.0%}: p = {report['srm_p']} ({srm})",
    ]
    return "\n".join(lines) + "\n"


# -- the ledger -------------------------------------------------------------------------


def ledger_report(
    site: lotse.Site, path: Path, now: float, visitor_type: str | None = None
) -> dict[str, Any]:
    """What ``lotse report --json`` prints for a site and its ledger file."""
    with closing(open_read_only(path)) as db:
        rows = read_rows(db, site.id)
        started = read_started(db, site.id)
    return site_report(site.engine(), rows, started, now, visitor_type=visitor_type)


def _ledger(args: argparse.Namespace) -> int:
    from .cli import default_site_path

    site = lotse.load_site(Path(args.site) if args.site else default_site_path())
    try:
        settings = Settings.from_env()
    except ValueError as exc:  # e.g. LOTSE_STORE is not a Redis URL
        sys.stderr.write(f"lotse report: {exc}\n")
        return 2
    # An explicit --data-dir means that SQLite ledger, whatever LOTSE_STORE says.
    store = args.store if args.store is not None or args.data_dir else settings.store_url
    if store and store.strip().lower() != "memory":
        return _redis_ledger(args, site, store, settings.store_prefix)
    data_dir = Path(args.data_dir) if args.data_dir else settings.data_dir
    path = data_dir / LEDGER_FILE
    if not path.is_file():
        sys.stderr.write(
            f"lotse report: no ledger at {path}; pass --data-dir with the directory the "
            "server was started with (lotse serve --data-dir DIR)\n"
        )
        return 1
    try:
        report = rounded(ledger_report(site, path, time.time(), args.visitor_type))
    except sqlite3.Error as exc:
        sys.stderr.write(f"lotse report: cannot read the ledger {path}: {exc}\n")
        return 1
    return _print_ledger(report, args)


def _redis_ledger(args: argparse.Namespace, site: lotse.Site, url: str, prefix: str) -> int:
    """The report from the ledger in Redis (`redis_ledger.py`), printed as from SQLite."""
    from .redis_ledger import RedisLedgerReader
    from .settings import check_store_url
    from .store import StoreError

    try:
        check_store_url(url)
    except ValueError as exc:
        sys.stderr.write(f"lotse report: {exc}\n")
        return 2
    reader = RedisLedgerReader(url, prefix=prefix)
    try:
        rows, started = reader.rows(site.id), reader.started(site.id)
    except StoreError as exc:
        sys.stderr.write(
            f"lotse report: cannot read the ledger in Redis: {exc.problem}. Fix: {exc.fix}\n"
        )
        return 1
    finally:
        reader.close()
    engine = site.engine()
    report = site_report(engine, rows, started, time.time(), visitor_type=args.visitor_type)
    return _print_ledger(rounded(report), args)


def _print_ledger(report: dict[str, Any], args: argparse.Namespace) -> int:
    if args.json:
        sys.stdout.write(orjson.dumps(report).decode() + "\n")
    elif args.csv:
        rows = [row for experiment in report["experiments"] for row in _experiment_rows(experiment)]
        if rows:
            _write_csv(rows)
    else:
        sys.stdout.write(_ledger_table(report))
    return 0


def _experiment_rows(experiment: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per arm and goal; the comparison against the control on the arm's row."""
    rows = []
    goals = sorted(experiment["goals"]) or [None]
    for arm, figures in experiment["arms"].items():
        for goal in goals:
            comparison = experiment["goals"][goal]["by_arm"].get(arm, {}) if goal else {}
            low, high = comparison.get("ci") or (None, None)
            rows.append(
                {
                    "experiment": experiment["id"],
                    "status": experiment["status"],
                    "srm_p": experiment["srm_p"],
                    "arm": arm,
                    "sessions": figures["sessions"],
                    "exposed": figures["exposed"],
                    "goal": goal,
                    "conversions": figures["conversions"].get(goal, 0) if goal else None,
                    "lift": comparison.get("lift"),
                    "ci_low": low,
                    "ci_high": high,
                    "p_value": comparison.get("p_value"),
                    "always_valid_p": comparison.get("always_valid_p"),
                }
            )
    return rows


def _ledger_table(report: dict[str, Any]) -> str:
    if not report["experiments"]:
        return f"site {report['site']}: no experiment has counted a session yet\n"
    lines = []
    for experiment in report["experiments"]:
        days = experiment.get("days_needed")
        lines += [
            f"{experiment['id']}: {experiment['status']}  (sample ratio p = "
            f"{experiment['srm_p']}; planned {experiment['planned_per_arm']:,} per arm"
            + (f", about {days} more day(s))" if days else ")"),
            f"  {'arm':<16} {'sessions':>9} {'exposed':>9}  conversions",
        ]
        for arm, figures in experiment["arms"].items():
            goals = ", ".join(f"{g} {n:,}" for g, n in figures["conversions"].items()) or "—"
            lines.append(f"  {arm:<16} {figures['sessions']:>9,} {figures['exposed']:>9,}  {goals}")
        for goal, figures in experiment["goals"].items():
            lift, fixed = figures.get("lift"), figures.get("p_value")
            lines.append(
                f"  {goal}: lift {'—' if lift is None else f'{lift:+.1%}'} ({figures.get('arm')}),"
                f" always-valid p {figures.get('always_valid_p')}, fixed-horizon p "
                + ("after the plan" if fixed is None else str(fixed))
            )
        lines.append("")
    if report["retired"]:
        lines.append(f"no longer configured: {', '.join(report['retired'])}")
    return "\n".join(lines) + "\n"


# -- input ------------------------------------------------------------------------------


def _counts(text: str) -> lotse.Counts:
    try:
        conversions, sessions = (int(part) for part in text.split("/"))
        return lotse.Counts(conversions, sessions)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected CONVERSIONS/SESSIONS such as 400/4000 ({exc})"
        ) from exc


def _split(text: str) -> tuple[float, float]:
    try:
        control, treatment = (float(part) for part in text.split("/"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected CONTROL/TREATMENT shares such as 50/50 or 10/90"
        ) from exc
    if control < 0 or treatment < 0 or control + treatment <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: shares must be positive")
    return control, treatment


def _write_csv(rows: list[dict[str, Any]]) -> None:
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
