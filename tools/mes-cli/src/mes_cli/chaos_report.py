"""The report of a `./mes chaos` run: what was killed when, what the clients saw, and
every comparison with its counts (lost, duplicated, unknown at the source)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .chaos_checks import Verdict
from .chaos_load import Tally


def _counts(counter: Counter) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "0"


def render(
    result: Verdict | None,
    tally: Tally,
    station: Any,
    timeline: Any,
    *,
    settled: float,
    ok: bool,
    redis: Any,
) -> str:
    lines = [f"\n== chaos run: {'PASSED' if ok else 'FAILED'} =="]
    if redis is not None:
        lines.append("Redis: appendonly yes, appendfsync everysec (embedded, restarted on its AOF)")
    lines.append("timeline (seconds after the load started):")
    lines += [f"  {at:+7.1f}s  {what}" for at, what in timeline.entries]
    refused_by = Counter()
    for (kind, why), n in tally.refused.items():
        refused_by[f"{kind}:{why or 'no answer'}"] += n
    lines += [
        "requests through the gateway:",
        f"  accepted    {_counts(tally.accepted)}",
        f"  refused     {sum(tally.refused.values())} answers, {tally.outage_refusals()} of them "
        f"by the outages (no answer, 5xx, 429): {_counts(refused_by)}",
        f"  retried     {_counts(tally.retried)}",
        f"  recovered   {_counts(tally.recovered)} (a retry found the first try applied)",
        f"  ambiguous   {_counts(tally.ambiguous)} LOT creation(s) never answered (not retried)",
        f"  abandoned   {_counts(tally.abandoned)}",
    ]
    f = station.figures
    items = Counter(i.state for i in station.items())
    lines.append(
        f"workstation: {len(f.lots)} LOTs, {f.queued} starts/completions queued, queue peak "
        f"{f.max_waiting}, {f.deferred} sends put off while the MES was unreachable; "
        f"items {_counts(items)}"
    )
    if result is None:
        lines.append("no verdict: the workstation queue never drained")
        return "\n".join(lines)
    lines.append(f"checks ({settled:.1f}s after the load stopped):")
    for c in result.comparisons:
        mark = "ok  " if c.ok else "FAIL"
        extra = f", {c.mismatched} unknown at the source" if c.mismatched else ""
        lines.append(
            f"  {mark} {c.name}: {c.compared} compared, {c.lost} lost, "
            f"{c.duplicated} duplicated{extra}" + (f"  e.g. {c.examples}" if c.examples else "")
        )
    lines += [
        f"  outbox rows not published: {sum(result.unpublished.values())} "
        f"({len(result.unpublished)} schemas)",
        f"  entries pending (XPENDING): {sum(result.pending.values())} "
        f"over {len(result.pending)} group/stream pairs",
        f"  entries not yet delivered to a group: {sum(result.undelivered.values())}",
        f"  dead letters: {sum(result.dead_letters.values())} "
        f"({', '.join(f'{k} {v}' for k, v in result.dead_letters.items()) or 'no .dlq stream'})",
    ]
    if not ok:
        lines.append("problems:")
        lines += [f"  {p}" for p in result.problems()]
    return "\n".join(lines)
