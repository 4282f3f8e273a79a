"""Pure SPC math: I-MR, X̄-R and X̄-S limits, Western Electric / Nelson rules 1-4 and
capability (Cp, Cpk, Pp, Ppk with a 95 % interval for Cpk). No I/O: the live evaluator
and the routes call these with the points they read."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from .constants import constants

Z_975 = 1.959963984540054  # standard normal 97.5 % quantile (two-sided 95 %)


@dataclass(frozen=True)
class Limits:
    """Centre line and 3σ limits of a location chart (I or X̄) and of its spread chart
    (MR, R or s); `sigma` is the within-subgroup σ estimate the limits use."""

    chart: str  # "I-MR", "Xbar-R", "Xbar-S"
    n: int  # observations per subgroup (1 for individuals)
    subgroups: int
    center: float
    ucl: float
    lcl: float
    sigma: float
    spread_center: float
    spread_ucl: float
    spread_lcl: float


def imr_limits(values: Sequence[float]) -> Limits:
    """Individuals and moving range (span 2): σ̂ = MR̄/d2, limits x̄ ± 3σ̂."""
    if len(values) < 2:
        raise ValueError("an I-MR chart needs at least 2 points")
    mr = [abs(b - a) for a, b in itertools.pairwise(values)]
    mr_bar = statistics.fmean(mr)
    k = constants(2)
    sigma = mr_bar / k.d2
    center = statistics.fmean(values)
    return Limits(
        chart="I-MR",
        n=1,
        subgroups=len(values),
        center=center,
        ucl=center + 3 * sigma,
        lcl=center - 3 * sigma,
        sigma=sigma,
        spread_center=mr_bar,
        spread_ucl=k.D4 * mr_bar,
        spread_lcl=k.D3 * mr_bar,
    )


def _size(subgroups: Sequence[Sequence[float]]) -> int:
    sizes = {len(s) for s in subgroups}
    if not subgroups or len(sizes) != 1:
        raise ValueError("subgroups must be non-empty and of one size")
    return sizes.pop()


def xbar_r_limits(subgroups: Sequence[Sequence[float]]) -> Limits:
    """X̄-R: x̿ ± A2·R̄; R chart D3·R̄ .. D4·R̄; σ̂ = R̄/d2."""
    n = _size(subgroups)
    k = constants(n)
    xbb = statistics.fmean(statistics.fmean(s) for s in subgroups)
    r_bar = statistics.fmean(max(s) - min(s) for s in subgroups)
    return Limits(
        chart="Xbar-R",
        n=n,
        subgroups=len(subgroups),
        center=xbb,
        ucl=xbb + k.A2 * r_bar,
        lcl=xbb - k.A2 * r_bar,
        sigma=r_bar / k.d2,
        spread_center=r_bar,
        spread_ucl=k.D4 * r_bar,
        spread_lcl=k.D3 * r_bar,
    )


def xbar_s_limits(subgroups: Sequence[Sequence[float]]) -> Limits:
    """X̄-S: x̿ ± A3·s̄; s chart B3·s̄ .. B4·s̄; σ̂ = s̄/c4."""
    n = _size(subgroups)
    k = constants(n)
    xbb = statistics.fmean(statistics.fmean(s) for s in subgroups)
    s_bar = statistics.fmean(statistics.stdev(s) for s in subgroups)
    return Limits(
        chart="Xbar-S",
        n=n,
        subgroups=len(subgroups),
        center=xbb,
        ucl=xbb + k.A3 * s_bar,
        lcl=xbb - k.A3 * s_bar,
        sigma=s_bar / k.c4,
        spread_center=s_bar,
        spread_ucl=k.B4 * s_bar,
        spread_lcl=k.B3 * s_bar,
    )


# -- rules -------------------------------------------------------------------------------
RULES: dict[str, str] = {
    "1": "1 point beyond 3σ",
    "2": "9 points in a row on one side of the centre line",
    "3": "6 points in a row steadily increasing or decreasing",
    "4": "14 points in a row alternating up and down",
}
# Points a pattern spans: the rule fires at the point that completes it.
RULE_SPAN = {"1": 1, "2": 9, "3": 6, "4": 14}
LOOKBACK = max(RULE_SPAN.values())  # points before a new one that a rule can need


@dataclass(frozen=True)
class RuleHit:
    rule: str
    points: tuple[int, ...]  # indexes into the evaluated sequence, oldest first

    @property
    def last(self) -> int:
        return self.points[-1]

    @property
    def description(self) -> str:
        return RULES[self.rule]


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def evaluate(values: Sequence[float], center: float, sigma: float) -> list[RuleHit]:
    """Every hit of rules 1-4: one per point completing a pattern (a run of 10 on one
    side is two hits of rule 2, at its 9th and 10th point), each naming its points.
    A point on the centre line belongs to neither side; equal neighbours break trends
    and alternation."""
    hits: list[RuleHit] = []
    side = [_sign(v - center) for v in values]
    step = [0] + [_sign(b - a) for a, b in itertools.pairwise(values)]
    run_side = run_trend = run_alt = 0
    for i, v in enumerate(values):
        if sigma > 0 and abs(v - center) > 3 * sigma:
            hits.append(RuleHit("1", (i,)))
        run_side = run_side + 1 if i and side[i] != 0 and side[i] == side[i - 1] else 1
        if side[i] != 0 and run_side >= RULE_SPAN["2"]:
            hits.append(RuleHit("2", tuple(range(i - 8, i + 1))))
        # runs counted in points: a step continues the trend/alternation of the last one
        if step[i] == 0:
            run_trend = run_alt = 1
        else:
            run_trend = run_trend + 1 if i > 1 and step[i] == step[i - 1] else 2
            run_alt = run_alt + 1 if i > 1 and step[i] == -step[i - 1] else 2
        if run_trend >= RULE_SPAN["3"]:
            hits.append(RuleHit("3", tuple(range(i - 5, i + 1))))
        if run_alt >= RULE_SPAN["4"]:
            hits.append(RuleHit("4", tuple(range(i - 13, i + 1))))
    return hits


# -- capability --------------------------------------------------------------------------
@dataclass(frozen=True)
class Capability:
    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None
    cpk_lower: float | None  # 95 % interval, Bissell (1990) normal approximation
    cpk_upper: float | None


def _indices(mean: float, sigma: float, lsl: float | None, usl: float | None):
    if sigma <= 0:
        return None, None
    sides = []
    if usl is not None:
        sides.append((usl - mean) / (3 * sigma))
    if lsl is not None:
        sides.append((mean - lsl) / (3 * sigma))
    both = lsl is not None and usl is not None
    whole = (usl - lsl) / (6 * sigma) if both else None  # type: ignore[operator]
    return whole, (min(sides) if sides else None)


def cpk_interval(cpk: float, n: int, z: float = Z_975) -> tuple[float, float]:
    """Bissell's approximation: Ĉpk ± z·√(1/(9n) + Ĉpk²/(2(n−1)))."""
    half = z * math.sqrt(1 / (9 * n) + cpk * cpk / (2 * (n - 1)))
    return cpk - half, cpk + half


def capability(
    values: Sequence[float],
    lsl: float | None,
    usl: float | None,
    sigma_within: float | None = None,
) -> Capability:
    """Cp/Cpk use the within σ (the chart's: MR̄/d2, R̄/d2 or s̄/c4; by default the moving
    range of `values`), Pp/Ppk the overall sample standard deviation."""
    n = len(values)
    if n < 2:
        raise ValueError("capability needs at least 2 values")
    mean = statistics.fmean(values)
    overall = statistics.stdev(values)
    within = imr_limits(values).sigma if sigma_within is None else sigma_within
    cp, cpk = _indices(mean, within, lsl, usl)
    pp, ppk = _indices(mean, overall, lsl, usl)
    low, high = cpk_interval(cpk, n) if cpk is not None else (None, None)
    return Capability(n, mean, within, overall, cp, cpk, pp, ppk, low, high)
