"""Turning measured cells into the tables of ``docs/benchmarks.md`` (Markdown, printed as is)."""

from __future__ import annotations

import math
import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.load import Cell

DIALECTS = ("walley", "ledyer", "klarna")


@dataclass(frozen=True, slots=True)
class Result:
    """One cell of the run: what was measured (``kind``), in which dialect, under what label."""

    kind: str  # orderdesk | first | replay | raw | raw-exact | localstripe | lines | notify-…
    dialect: str  # walley | ledyer | klarna | stripe
    label: str  # "32 clients", "1,000 lines", "1,000,000 orders"
    cell: Cell


def clients_label(clients: int) -> str:
    return f"{clients} client{'s' if clients != 1 else ''}"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of ``values``."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def median_rows(runs_by_name: dict[str, list[dict[str, float]]], columns: list[str]) -> list[str]:
    """One Markdown table row per set-up: the median of each column over its runs (``…_ms``
    with two decimals, the rest as whole numbers)."""
    rows = []
    for name, runs in runs_by_name.items():
        cells = [statistics.median(run[c] for run in runs) for c in columns]
        shown = [
            f"{v:,.2f}" if c.endswith("_ms") else f"{v:,.0f}"
            for c, v in zip(columns, cells, strict=True)
        ]
        rows.append(f"| {name} | " + " | ".join(shown) + " |")
    return rows


def summary(cell: Cell) -> dict[str, Any]:
    """What the tables show of a cell (times in ms, CPU per request in µs)."""
    n = cell.requests
    out: dict[str, Any] = {
        "clients": cell.concurrency,
        "requests": n,
        "failures": len(cell.failures),
        "per_second": cell.throughput,
        "p50_ms": percentile(cell.latencies, 0.50) * 1e3,
        "p99_ms": percentile(cell.latencies, 0.99) * 1e3,
        "mean_ms": (sum(cell.latencies) / n * 1e3) if n else math.nan,
        "max_ms": max(cell.latencies, default=math.nan) * 1e3,
    }
    if cell.cpu is not None and n and cell.cpu.wall:
        use = cell.cpu
        out |= {
            "client_cpu_share": use.client / use.wall,
            "client_us": use.client / n * 1e6,
            "server_us": use.server / n * 1e6,
            "postgres_us": use.postgres / n * 1e6,
            "other_cores": use.other / use.wall,
        }
    return out


SYSTEMS = {
    "orderdesk": "orderdesk {dialect} capture",
    "first": "orderdesk ({dialect} cells): first request on a new connection",
    "replay": "orderdesk {dialect} replay",
    "raw": "raw asyncpg ({dialect} work)",
    "raw-exact": "raw asyncpg, orderdesk's SQL ({dialect})",
    "localstripe": "localstripe PI capture",
    "lines": "orderdesk {dialect}, {label}",
    "db-size": "orderdesk {dialect}, {label}",
    "history": "orderdesk {dialect}, {label}",
    "history-raw": "raw asyncpg, orderdesk's SQL ({dialect}), {label}",
    "notify-off": "orderdesk {dialect} capture, notifications off",
    "notify-on": "orderdesk {dialect} capture, notifications on (delivered)",
}


def _name(result: Result) -> str:
    return SYSTEMS[result.kind].format(dialect=result.dialect.title(), label=result.label)


def _ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _us(stats: dict[str, Any], key: str) -> str:
    return f"{stats[key]:,.0f}" if key in stats else "–"


def detail_table(results: list[Result]) -> str:
    head = (
        "| what | clients | requests | failed | per s | p50 ms | p99 ms | mean ms"
        " | client CPU % of a core | client µs/req | server µs/req | PostgreSQL µs/req"
        " | other load (cores) |\n|" + "---|" * 13
    )
    rows = [head]
    for result in results:
        s = summary(result.cell)
        share = f"{s['client_cpu_share'] * 100:.0f}" if "client_cpu_share" in s else "–"
        other = f"{s['other_cores']:.2f}" if "other_cores" in s else "–"
        rows.append(
            f"| {_name(result)} | {s['clients']} | {s['requests']:,} | {s['failures']}"
            f" | {s['per_second']:,.0f} | {_ms(s['p50_ms'])} | {_ms(s['p99_ms'])}"
            f" | {_ms(s['mean_ms'])} | {share} | {_us(s, 'client_us')} | {_us(s, 'server_us')}"
            f" | {_us(s, 'postgres_us')} | {other} |"
        )
    return "\n".join(rows)


class Lookup:
    """Find a result's summary by kind, dialect and client count (or label)."""

    def __init__(self, results: list[Result]) -> None:
        self._results = results

    def get(self, kind: str, dialect: str, clients: int | None = None, label: str = "") -> Any:
        for result in self._results:
            if (
                result.kind == kind
                and result.dialect == dialect
                and (clients is None or result.cell.concurrency == clients)
                and (not label or result.label == label)
            ):
                return summary(result.cell)
        return None


def _verdict(value: float | None, target: float, better: Callable[[float, float], bool]) -> str:
    if value is None or math.isnan(value):
        return "–"
    return "met" if better(value, target) else "**missed**"


def headline(results: list[Result], top: int, mid: int, sizes: tuple[str, str]) -> str:
    """The targets of issue 6 with the measured figures, per dialect."""
    find = Lookup(results)
    peer = find.get("localstripe", "stripe", top)
    names = " | ".join(d.title() for d in DIALECTS)
    rows = [
        f"| figure | {names} | target | {names} |",
        "|---|" + "---|" * 2 * len(DIALECTS) + "---|",
    ]

    def add(
        label: str,
        value: Callable[[str], float | None],
        shown: Callable[[float], str],
        target: str = "",
        limit: float | None = None,
        better: Callable[[float, float], bool] = lambda v, t: v >= t,
    ) -> None:
        values = {d: value(d) for d in DIALECTS}
        cells = [shown(v) if v is not None else "–" for v in values.values()]
        verdicts = [
            _verdict(v, limit, better) if limit is not None else "" for v in values.values()
        ]
        rows.append(f"| {label} | {' | '.join(cells)} | {target} | {' | '.join(verdicts)} |")

    def per_s(kind: str) -> Callable[[str], float | None]:
        return lambda d: (find.get(kind, d, top) or {}).get("per_second")

    def ratio(dialect: str, other: Any) -> float | None:
        ours = find.get("orderdesk", dialect, top)
        return ours["per_second"] / other["per_second"] if ours and other else None

    def ratio_of(kind: str, other: str, dialect: str) -> float | None:
        ours, theirs = find.get(kind, dialect, mid), find.get(other, dialect, mid)
        return ours["per_second"] / theirs["per_second"] if ours and theirs else None

    def p99(kind: str, clients: int) -> Callable[[str], float | None]:
        return lambda d: (find.get(kind, d, clients) or {}).get("p99_ms")

    def at_top(kind: str, key: str, other: str, other_key: str) -> Callable[[str], float | None]:
        """``kind``'s ``key`` ÷ ``other``'s ``other_key``, at ``top`` clients."""

        def value(dialect: str) -> float | None:
            ours, theirs = find.get(kind, dialect, top), find.get(other, dialect, top)
            return ours[key] / theirs[other_key] if ours and theirs else None

        return value

    def growth(dialect: str) -> float | None:
        small = find.get("db-size", dialect, label=sizes[0])
        large = find.get("db-size", dialect, label=sizes[1])
        return large["p50_ms"] / small["p50_ms"] - 1 if small and large else None

    add(f"orderdesk captures/s, {top} clients", per_s("orderdesk"), lambda v: f"{v:,.0f}")
    add(f"raw asyncpg captures/s, {top} clients", per_s("raw"), lambda v: f"{v:,.0f}")
    add(
        "orderdesk / raw PostgreSQL",
        lambda d: ratio(d, find.get("raw", d, top)),
        lambda v: f"{v:.2f}",
        "≥ 0.6",  # issue 15 (was 0.5)
        0.6,
    )
    add(
        f"localstripe captures/s, {top} clients",
        lambda d: peer["per_second"] if peer else None,
        lambda v: f"{v:,.0f}",
    )
    add("orderdesk / localstripe", lambda d: ratio(d, peer), lambda v: f"{v:.1f}×", "≥ 5×", 5.0)
    lower = float.__le__
    add(f"capture p99, {mid} clients", p99("orderdesk", mid), _ms, "≤ 15 ms", 15.0, lower)
    add(
        f"capture p99 ÷ raw's, {top} clients",
        at_top("orderdesk", "p99_ms", "raw", "p99_ms"),
        lambda v: f"{v:.2f}",
        "≤ 1.3",  # issue 28
        1.3,
        lower,
    )
    add(
        f"replay p99 ÷ its p50, {top} clients",
        at_top("replay", "p99_ms", "replay", "p50_ms"),
        lambda v: f"{v:.1f}",
        "≤ 3",  # issue 28
        3.0,
        lower,
    )
    add(f"first request on a new connection p99, {top} clients", p99("first", top), _ms)
    add(f"replay p99, {mid} clients", p99("replay", mid), _ms, "≤ 5 ms", 5.0, lower)
    add("replay p99, 1 client", p99("replay", 1), _ms, "≤ 5 ms", 5.0, lower)
    add(
        f"captures/s notifications on ÷ off, {mid} clients",
        lambda d: ratio_of("notify-on", "notify-off", d),
        lambda v: f"{v:.2f}",
        "≥ 0.9",  # issue 23
        0.9,
    )
    add(
        f"capture p50, {sizes[1]} vs {sizes[0]}",
        growth,
        lambda v: f"{v * 100:+.1f} %",
        "≤ +10 %",
        0.10,
        lower,
    )
    return "\n".join(rows)


def scaling_table(results: list[Result], kind: str, title: str) -> str:
    """p50 / p99 / mean latency at one client, per label (lines or database size)."""
    find = Lookup(results)
    labels = list(dict.fromkeys(r.label for r in results if r.kind == kind))
    heads = " | ".join(f"{d.title()} p50 | p99 | mean" for d in DIALECTS)
    rows = [f"| {title} | {heads} |", "|---|" + "---|" * 3 * len(DIALECTS)]
    for label in labels:
        cells = []
        for dialect in DIALECTS:
            s = find.get(kind, dialect, label=label)
            cells += [_ms(s["p50_ms"]), _ms(s["p99_ms"]), _ms(s["mean_ms"])] if s else ["–"] * 3
        rows.append(f"| {label} | {' | '.join(cells)} |")
    return "\n".join(rows)


def history_table(results: list[Result]) -> str:
    """p50 at one client per number of earlier captures: orderdesk, its SQL alone, and the
    ratio of the two (what the Python and HTTP around the SQL add)."""
    find = Lookup(results)
    labels = list(dict.fromkeys(r.label for r in results if r.kind == "history"))
    rows = [
        "| earlier captures | Walley p50 | its SQL p50 | ratio | Ledyer p50 | its SQL p50"
        " | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for label in labels:
        cells = []
        for dialect in DIALECTS:
            s = find.get("history", dialect, label=label)
            raw = find.get("history-raw", dialect, label=label)
            if s and raw:
                cells += [
                    _ms(s["p50_ms"]),
                    _ms(raw["p50_ms"]),
                    f"{s['p50_ms'] / raw['p50_ms']:.1f}",
                ]
            else:
                cells += ["–"] * 3
        rows.append(f"| {label.split()[0]} | {' | '.join(cells)} |")
    return "\n".join(rows)


def machine(postgres: str) -> str:
    """CPUs, memory, Python and PostgreSQL versions of this machine, in one line."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((x.split(":", 1)[1].strip() for x in cpuinfo if x.startswith("model name")), "")
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{os.cpu_count()} CPUs ({model or platform.processor()}), "
        f"{memory_kb / 1024 / 1024:.1f} GiB; Python {platform.python_version()}; {postgres}"
    )


def disturbance(results: list[Result], limit: float = 0.25) -> str:
    """A warning naming the cells during which other processes used more than ``limit`` cores."""
    busy = [
        f"{_name(r)} ({clients_label(r.cell.concurrency)}: {s['other_cores']:.2f})"
        for r in results
        if (s := summary(r.cell)).get("other_cores", 0.0) > limit
    ]
    if not busy:
        return f"Other processes used at most {limit} cores during every cell."
    return (
        f"**Disturbed**: other processes used more than {limit} cores during "
        f"{len(busy)} of {len(results)} cells: " + "; ".join(busy) + "."
    )


def render(
    results: list[Result],
    preamble: str,
    levels: tuple[int, ...],
    mid: int,
    db_sizes: tuple[int, int],
) -> str:
    """The whole report: ``preamble``, targets, every cell, and the two scaling tables."""
    sizes = (f"{db_sizes[0]:,} orders", f"{db_sizes[1]:,} orders")
    return "\n\n".join(
        [
            preamble + " " + disturbance(results),
            "### Targets\n\n" + headline(results, max(levels), mid, sizes),
            "### Every cell\n\n" + detail_table(results),
            "### Capture latency by order size (1 client)\n\n"
            + scaling_table(results, "lines", "lines per order"),
            "### Capture latency by earlier captures of the order (1 client)\n\n"
            + history_table(results),
            "### Capture latency by database size (1 client)\n\n"
            + scaling_table(results, "db-size", "orders in the database"),
        ]
    )
