"""Figures of one run, the comparison with the bare endpoint, the targets, and the printed table."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

TRAINEE = "trainee"
TRAINEE_NO_JS = "trainee, no JS"
BARE_POST = "bare POST"
BARE_FORM = "bare GET+POST"
BARE_FORM_NO_JS = "bare GET+3POST"
#: Each trainee unit and the bare unit of the same shape (same number of requests).
BARE_OF = {TRAINEE: BARE_FORM, TRAINEE_NO_JS: BARE_FORM_NO_JS}
#: A response sent through the JSON API (bench/api.py).
API_SUBMIT = "API submit"

TARGET_THROUGHPUT = 100.0  # completed trainees/s at concurrency 32
TARGET_CONCURRENCY = 32
TARGET_CPU_MS = 10.0  # server CPU per completed trainee
TARGET_RATIO = 0.5  # of the bare endpoint's throughput, per request
TARGET_NO_JS_CPU_MS = 5.0  # server CPU per trainee walking the pages without JavaScript
#: Share of the machine used by other processes above which a run is flagged.
OTHERS_WARNING = 10.0


def percentiles(samples: list[float], points: tuple[int, ...] = (50, 95, 99)) -> dict[str, float | None]:
    """Nearest-rank percentiles, in milliseconds."""
    ordered = sorted(samples)
    out: dict[str, float | None] = {}
    for point in points:
        rank = max(0, math.ceil(point / 100 * len(ordered)) - 1)
        out[f"p{point}"] = round(ordered[rank] * 1000, 1) if ordered else None
    return out


@dataclass
class Run:
    database: str
    unit: str
    requests_per_unit: int
    concurrency: int
    #: Wall time from the start signal until the last virtual trainee stopped.
    seconds: float
    units: int
    requests: int
    unit_ms: dict[str, float | None]
    request_ms: dict[str, float | None]
    errors: dict[str, int]
    #: gunicorn master + workers, utime + stime.
    server_cpu_ms: float
    #: Every postgres process; None on SQLite (its work is inside the workers).
    database_cpu_ms: float | None
    #: This process: the load generator.
    client_cpu_ms: float
    #: Share of all cores' time that was busy, and busy with processes other than
    #: gunicorn, postgres and the load generator (other people's work on a shared machine).
    machine_busy_percent: float
    others_percent: float
    reconnects: int
    capped: bool
    workers_replaced: bool
    acknowledged: int
    stored: int
    missing: int
    ratio_to_bare_form: float | None = None
    ratio_to_bare_post_per_request: float | None = None
    #: The same ratio from CPU cost (server + postgres per unit), which other load on the machine barely moves.
    ratio_to_bare_form_by_cpu: float | None = None
    cores: int = 2
    notes: list[str] = field(default_factory=list)

    @property
    def units_per_s(self) -> float:
        return self.units / self.seconds if self.seconds else 0.0

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def per_unit(self, ms: float | None) -> float | None:
        return None if ms is None or not self.units else ms / self.units

    @property
    def cpu_per_unit(self) -> float | None:
        """Server and database CPU per unit, in ms."""
        return self.per_unit(self.server_cpu_ms + (self.database_cpu_ms or 0.0))

    @property
    def ceiling_units_per_s(self) -> float | None:
        """Units/s if every core did nothing but this (server, database, load generator)."""
        total = self.per_unit(self.server_cpu_ms + (self.database_cpu_ms or 0.0) + self.client_cpu_ms)
        return 1000 * self.cores / total if total else None

    @property
    def stored_ok(self) -> bool:
        return self.missing == 0 and self.stored == self.acknowledged

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            units_per_s=round(self.units_per_s, 2),
            requests_per_s=round(self.requests_per_s, 2),
            error_count=self.error_count,
            server_cpu_ms_per_unit=_round(self.per_unit(self.server_cpu_ms)),
            database_cpu_ms_per_unit=_round(self.per_unit(self.database_cpu_ms)),
            client_cpu_ms_per_unit=_round(self.per_unit(self.client_cpu_ms)),
            ceiling_units_per_s=_round(self.ceiling_units_per_s, 1),
            stored_ok=self.stored_ok,
        )
        return data


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def compare_with_bare(runs: list[Run]) -> None:
    """Fill each trainee run's ratios to the bare runs of the same database and concurrency.

    The reported ratio is to the bare unit of the same shape ("bare GET+POST"
    for the trainee, "bare GET+3POST" without JavaScript): as many requests per
    unit on both sides, so it is the same per unit and per request. The ratio
    to "bare POST" is given per request (requests/s over requests/s).
    """
    bare = {(r.database, r.concurrency, r.unit): r for r in runs if r.unit not in BARE_OF}
    for run in runs:
        if run.unit not in BARE_OF:
            continue
        form = bare.get((run.database, run.concurrency, BARE_OF[run.unit]))
        post = bare.get((run.database, run.concurrency, BARE_POST))
        if form and form.units_per_s:
            run.ratio_to_bare_form = round(run.units_per_s / form.units_per_s, 3)
        if post and post.requests_per_s:
            run.ratio_to_bare_post_per_request = round(run.requests_per_s / post.requests_per_s, 3)
        if form and form.cpu_per_unit and run.cpu_per_unit:
            run.ratio_to_bare_form_by_cpu = round(form.cpu_per_unit / run.cpu_per_unit, 3)


@dataclass(frozen=True)
class Verdict:
    #: "throughput", "cpu", "ratio" or "cpu, no JS".
    key: str
    target: str
    database: str
    concurrency: int
    value: float | None
    passed: bool | None


def judge(runs: list[Run]) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for run in (r for r in runs if r.unit == TRAINEE):
        if run.concurrency == TARGET_CONCURRENCY:
            verdicts.append(
                Verdict(
                    "throughput",
                    f">= {TARGET_THROUGHPUT:g} trainees/s at concurrency {TARGET_CONCURRENCY}",
                    run.database,
                    run.concurrency,
                    round(run.units_per_s, 1),
                    run.units_per_s >= TARGET_THROUGHPUT,
                )
            )
        cpu = run.per_unit(run.server_cpu_ms)
        verdicts.append(
            Verdict(
                "cpu",
                f"<= {TARGET_CPU_MS:g} ms server CPU per trainee",
                run.database,
                run.concurrency,
                _round(cpu, 1),
                None if cpu is None else cpu <= TARGET_CPU_MS,
            )
        )
        ratio = run.ratio_to_bare_form
        verdicts.append(
            Verdict(
                "ratio",
                f">= {TARGET_RATIO:g} of the bare endpoint's throughput (per request)",
                run.database,
                run.concurrency,
                ratio,
                None if ratio is None else ratio >= TARGET_RATIO,
            )
        )
    for run in (r for r in runs if r.unit == TRAINEE_NO_JS):
        cpu = run.per_unit(run.server_cpu_ms)
        verdicts.append(
            Verdict(
                "cpu, no JS",
                f"<= {TARGET_NO_JS_CPU_MS:g} ms server CPU per trainee without JavaScript",
                run.database,
                run.concurrency,
                _round(cpu, 1),
                None if cpu is None else cpu <= TARGET_NO_JS_CPU_MS,
            )
        )
    return verdicts


def _flag(passed: bool | None) -> str:
    return {True: "PASS", False: "MISS", None: "n/a"}[passed]


def _p(values: dict[str, float | None]) -> str:
    return "/".join("-" if v is None else f"{v:.0f}" for v in values.values())


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def render(runs: list[Run], verdicts: list[Verdict], header: list[str]) -> str:
    flags = {(v.database, v.concurrency, v.key): v.passed for v in verdicts}
    lines = [*header, ""]
    lines.append(
        f"{'database':<11}{'conc':>5}  {'unit':<16}{'units/s':>13}{'req/s':>8}  {'unit p50/p95/p99 ms':<21}"
        f"{'req p50/p95/p99 ms':<20}{'errors':>6}  {'server CPU ms/unit':<20}{'vs bare (per req)':<18}"
    )
    for run in runs:
        throughput = f"{run.units_per_s:.1f}"
        cpu = run.per_unit(run.server_cpu_ms)
        cpu_text, ratio_text = _num(cpu), ""
        if run.unit == TRAINEE:
            if run.concurrency == TARGET_CONCURRENCY:
                throughput += " " + _flag(flags.get((run.database, run.concurrency, "throughput")))
            cpu_text += " " + _flag(flags.get((run.database, run.concurrency, "cpu")))
            if run.ratio_to_bare_form is not None:
                ratio_text = f"{run.ratio_to_bare_form:.2f} {_flag(run.ratio_to_bare_form >= TARGET_RATIO)}"
        elif run.unit in BARE_OF and run.ratio_to_bare_form is not None:
            ratio_text = f"{run.ratio_to_bare_form:.2f}"
        lines.append(
            f"{run.database:<11}{run.concurrency:>5}  {run.unit:<16}{throughput:>13}{run.requests_per_s:>8.1f}  "
            f"{_p(run.unit_ms):<21}{_p(run.request_ms):<20}{run.error_count:>6}  {cpu_text:<20}{ratio_text:<18}"
        )
    lines += [
        "",
        "Where the CPU went, per unit (ms). idle ceiling = units/s if all cores ran only server, database and load "
        "generator;",
        "vs bare by CPU = server+database CPU per unit of the bare unit of the same shape / the trainee's "
        "(the throughput ratio on an idle machine).",
    ]
    lines.append(
        f"{'database':<11}{'conc':>5}  {'unit':<16}{'server':>8}{'postgres':>10}{'loadgen':>9}"
        f"{'machine busy':>14}{'others':>8}{'idle ceiling/s':>16}{'vs bare by CPU':>16}{'vs bare POST/req':>18}  notes"
    )
    for run in runs:
        notes = list(run.notes)
        if run.capped:
            notes.append("request cap reached")
        if run.workers_replaced:
            notes.append("a worker was replaced: its CPU is lost")
        if run.others_percent > OTHERS_WARNING:
            notes.append("machine shared with other work")
        if run.reconnects:
            notes.append(f"{run.reconnects} keep-alive reconnects")
        post = _num(run.ratio_to_bare_post_per_request, 2) if run.unit in BARE_OF else ""
        by_cpu = _num(run.ratio_to_bare_form_by_cpu, 2) if run.unit in BARE_OF else ""
        lines.append(
            f"{run.database:<11}{run.concurrency:>5}  {run.unit:<16}{_num(run.per_unit(run.server_cpu_ms)):>8}"
            f"{_num(run.per_unit(run.database_cpu_ms)):>10}{_num(run.per_unit(run.client_cpu_ms)):>9}"
            f"{run.machine_busy_percent:>13.0f}%{run.others_percent:>7.0f}%{_num(run.ceiling_units_per_s):>16}{by_cpu:>16}"
            f"{post:>18}  {'; '.join(notes)}"
        )
    busiest = max((run.others_percent for run in runs), default=0.0)
    if busiest > OTHERS_WARNING:
        lines.append(
            f"Other processes used up to {busiest:.0f}% of the machine: throughput and latency are understated; "
            "CPU per unit is not."
        )
    errors = [(run, kind, n) for run in runs for kind, n in sorted(run.errors.items())]
    if errors:
        lines += ["", "Errors:"]
        lines += [f"  {r.database} c{r.concurrency} {r.unit}: {n} x {kind}" for r, kind, n in errors]
    lines += ["", "Targets:"]
    lines += [f"  {_flag(v.passed)}  {v.target}: {v.database} c{v.concurrency} = {_num(v.value, 2)}" for v in verdicts]
    lines += ["", "Stored:"]
    lines += [f"  {r.database} c{r.concurrency} {r.unit}: {stored_line(r)}" for r in runs]
    return "\n".join(lines)


def stored_line(run: Run) -> str:
    what = "responses" if run.unit in BARE_OF or run.unit == API_SUBMIT else "rows"
    if run.stored_ok:
        return f"all {run.acknowledged} acknowledged {what} stored"
    return (
        f"MISMATCH: {run.acknowledged} acknowledged, {run.stored} new {what} stored, "
        f"{run.missing} acknowledged but missing"
    )


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
