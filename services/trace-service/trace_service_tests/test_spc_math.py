"""SPC math against published worked examples (data and printed results, within the
rounding of the print). Sources are cited per test; figures are never our own."""

from __future__ import annotations

import math
import statistics

import pytest
from trace_service.alerts import rules
from trace_service.quality import constants as k
from trace_service.quality import spc

pytestmark = pytest.mark.unit

# Montgomery, Introduction to Statistical Quality Control, Table 6.3 ("Inside Diameter
# Measurements (mm) for Automobile Engine Piston Rings", the 25 preliminary samples of
# n = 5 of Examples 6.1 and 6.3); the same data ship as R qcc `pistonrings` (trial=TRUE).
PISTON = [
    (74.030, 74.002, 74.019, 73.992, 74.008),
    (73.995, 73.992, 74.001, 74.011, 74.004),
    (73.988, 74.024, 74.021, 74.005, 74.002),
    (74.002, 73.996, 73.993, 74.015, 74.009),
    (73.992, 74.007, 74.015, 73.989, 74.014),
    (74.009, 73.994, 73.997, 73.985, 73.993),
    (73.995, 74.006, 73.994, 74.000, 74.005),
    (73.985, 74.003, 73.993, 74.015, 73.988),
    (74.008, 73.995, 74.009, 74.005, 74.004),
    (73.998, 74.000, 73.990, 74.007, 73.995),
    (73.994, 73.998, 73.994, 73.995, 73.990),
    (74.004, 74.000, 74.007, 74.000, 73.996),
    (73.983, 74.002, 73.998, 73.997, 74.012),
    (74.006, 73.967, 73.994, 74.000, 73.984),
    (74.012, 74.014, 73.998, 73.999, 74.007),
    (74.000, 73.984, 74.005, 73.998, 73.996),
    (73.994, 74.012, 73.986, 74.005, 74.007),
    (74.006, 74.010, 74.018, 74.003, 74.000),
    (73.984, 74.002, 74.003, 74.005, 73.997),
    (74.000, 74.010, 74.013, 74.020, 74.003),
    (73.988, 74.001, 74.009, 74.005, 73.996),
    (74.004, 73.999, 73.990, 74.006, 74.009),
    (74.010, 73.989, 73.990, 74.009, 74.014),
    (74.015, 74.008, 73.993, 74.000, 74.010),
    (73.982, 73.984, 73.995, 74.017, 74.013),
]


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _pdf(x: float) -> float:
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _d2(n: int, lo: float = -9.0, hi: float = 9.0, steps: int = 3600) -> float:
    """E[range of n standard normals] = ∫ 1 − Φ(x)ⁿ − (1 − Φ(x))ⁿ dx (trapezoid)."""
    h = (hi - lo) / steps
    f = [1 - _phi(lo + i * h) ** n - (1 - _phi(lo + i * h)) ** n for i in range(steps + 1)]
    return h * (sum(f) - (f[0] + f[-1]) / 2)


def _d3(n: int, lo: float = -7.0, hi: float = 7.0, steps: int = 280) -> float:
    """sd of the range: E[R²] = 2∬_{x<y} 1 − Φ(y)ⁿ − (1−Φ(x))ⁿ + (Φ(y)−Φ(x))ⁿ dx dy."""
    h = (hi - lo) / steps
    grid = [_phi(lo + i * h) for i in range(steps + 1)]
    total = 0.0
    for j in range(steps + 1):
        py = grid[j]
        total += (1 - py**n - (1 - py) ** n) / 2  # the diagonal, half inside x < y
        for i in range(j):
            px = grid[i]
            total += 1 - py**n - (1 - px) ** n + (py - px) ** n
    second = 2 * total * h * h
    return math.sqrt(second - _d2(n) ** 2)


@pytest.mark.parametrize("n", range(2, 26))
def test_tabulated_d2_is_the_expected_range_of_n_normals(n: int) -> None:
    assert k.constants(n).d2 == pytest.approx(_d2(n), abs=6e-5)


@pytest.mark.parametrize("n", [2, 5, 10, 25])
def test_tabulated_d3_is_the_sd_of_the_range(n: int) -> None:
    assert k.constants(n).d3 == pytest.approx(_d3(n), abs=5e-4)


# Published factors for constructing control charts, n = 2..20: "Table A.22 Factors for
# Constructing Control Charts" (Appendix A, Statistical Tables; copy at
# https://www.scribd.com/document/575462347/factors-for-control-charts), columns
# A2 A3 c4 B3 B4 d2 d3 D3 D4, three decimals (c4 four).
TABLE_A22 = """
2 1.880 2.659 0.7979 0 3.267 1.128 0.853 0 3.267
3 1.023 1.954 0.8862 0 2.568 1.693 0.888 0 2.574
4 0.729 1.628 0.9213 0 2.266 2.059 0.880 0 2.282
5 0.577 1.427 0.9400 0 2.089 2.326 0.864 0 2.114
6 0.483 1.287 0.9515 0.030 1.970 2.534 0.848 0 2.004
7 0.419 1.182 0.9594 0.118 1.882 2.704 0.833 0.076 1.924
8 0.373 1.099 0.9650 0.185 1.815 2.847 0.820 0.136 1.864
9 0.337 1.032 0.9693 0.239 1.761 2.970 0.808 0.184 1.816
10 0.308 0.975 0.9727 0.284 1.716 3.078 0.797 0.223 1.777
11 0.285 0.927 0.9754 0.321 1.679 3.173 0.787 0.256 1.744
12 0.266 0.886 0.9776 0.354 1.646 3.258 0.778 0.283 1.717
13 0.249 0.850 0.9794 0.382 1.618 3.336 0.770 0.307 1.693
14 0.235 0.817 0.9810 0.406 1.594 3.407 0.763 0.328 1.672
15 0.223 0.789 0.9823 0.428 1.572 3.472 0.756 0.347 1.653
16 0.212 0.763 0.9835 0.448 1.552 3.532 0.750 0.363 1.637
17 0.203 0.739 0.9845 0.466 1.534 3.588 0.744 0.378 1.622
18 0.194 0.718 0.9854 0.482 1.518 3.640 0.739 0.391 1.608
19 0.187 0.698 0.9862 0.497 1.503 3.689 0.734 0.403 1.597
20 0.180 0.680 0.9869 0.510 1.490 3.735 0.729 0.415 1.585
"""
# n = 21..25 from the CSS "Formula Constants" table (A2 d2 D3 D4 A3 c4), user's manual
# appendix C-7 (http://38.142.81.21:8001/manual/vax/v-002/user-s-manual-english/page-207.html).
TABLE_CSS = """
21 0.173 3.778 0.425 1.575 0.663 0.9876
22 0.167 3.819 0.434 1.566 0.647 0.9882
23 0.162 3.858 0.443 1.557 0.633 0.9887
24 0.157 3.895 0.451 1.548 0.619 0.9892
25 0.153 3.931 0.459 1.541 0.606 0.9896
"""
TOL = 1.5e-3  # the table's last digit, ±1 where its own rounding differs from ours


@pytest.mark.parametrize("row", TABLE_A22.strip().splitlines())
def test_constants_match_the_published_table_n2_to_20(row: str) -> None:
    n, a2, a3, c4, b3, b4, d2, d3, d3f, d4 = (float(x) for x in row.split())
    c = k.constants(int(n))
    got = (c.A2, c.A3, c.B3, c.B4, c.d2, c.d3, c.D3, c.D4)
    for value, printed in zip(got, (a2, a3, b3, b4, d2, d3, d3f, d4), strict=True):
        assert value == pytest.approx(printed, abs=TOL)
    assert c.c4 == pytest.approx(c4, abs=6e-5)


@pytest.mark.parametrize("row", TABLE_CSS.strip().splitlines())
def test_constants_match_the_published_table_n21_to_25(row: str) -> None:
    n, a2, d2, d3f, d4, a3, c4 = (float(x) for x in row.split())
    c = k.constants(int(n))
    for value, printed in zip((c.A2, c.d2, c.D3, c.D4, c.A3), (a2, d2, d3f, d4, a3), strict=True):
        assert value == pytest.approx(printed, abs=TOL)
    assert c.c4 == pytest.approx(c4, abs=6e-5)


def test_e2_for_a_moving_range_of_two_is_2_66() -> None:
    # 3/d2 for n = 2, the individuals-chart factor printed as 2.660 in the same tables
    e2 = k.constants(2).E2
    assert e2 == pytest.approx(2.660, abs=TOL)


def test_constants_outside_2_to_25_are_refused() -> None:
    for n in (1, 26):
        with pytest.raises(ValueError, match=r"n = 2\.\.25"):
            k.constants(n)


def test_piston_ring_subgroup_means_and_sds_match_table_6_3() -> None:
    # Table 6.3 prints x̄ᵢ (3 decimals) and sᵢ (4 decimals) beside each sample.
    printed = [
        (74.010, 0.0148), (74.001, 0.0075), (74.008, 0.0147), (74.003, 0.0091),
        (74.003, 0.0122), (73.996, 0.0087), (74.000, 0.0055), (73.997, 0.0123),
        (74.004, 0.0055), (73.998, 0.0063), (73.994, 0.0029), (74.001, 0.0042),
        (73.998, 0.0105), (73.990, 0.0153), (74.006, 0.0073), (73.997, 0.0078),
    ]  # fmt: skip
    for sample, (mean, sd) in zip(PISTON, printed, strict=False):
        assert statistics.fmean(sample) == pytest.approx(mean, abs=5e-4)
        assert statistics.stdev(sample) == pytest.approx(sd, abs=5e-5)


def test_piston_ring_xbar_r_limits_match_montgomery_example_6_1() -> None:
    # Example 6.1: x̿ = 74.001, R̄ = 0.023, UCL = 74.014, LCL = 73.988 (R chart: D3 = 0).
    lim = spc.xbar_r_limits(PISTON)
    assert (lim.chart, lim.n, lim.subgroups) == ("Xbar-R", 5, 25)
    assert lim.center == pytest.approx(74.001, abs=5e-4)
    assert lim.spread_center == pytest.approx(0.023, abs=5e-4)
    assert lim.ucl == pytest.approx(74.014, abs=5e-4)
    assert lim.lcl == pytest.approx(73.988, abs=5e-4)
    assert lim.spread_lcl == 0


def test_piston_ring_xbar_s_limits_equal_the_r_based_ones_to_the_print() -> None:
    # Example 6.3 draws the X̄ chart from s̄ (A3, n = 5); its printed limits are the
    # 74.014 / 73.988 of Example 6.1 (Exercise 6.x: "identical to ... Example 6.3").
    lim = spc.xbar_s_limits(PISTON)
    assert lim.ucl == pytest.approx(74.014, abs=5e-4)
    assert lim.lcl == pytest.approx(73.988, abs=5e-4)
    assert lim.spread_lcl == 0


def test_individuals_limits_match_the_nist_handbook_example() -> None:
    # NIST/SEMATECH e-Handbook of Statistical Methods §6.3.2.2 (Individuals control
    # charts), 10 batches: x̄ = 50.81, MR̄ = 1.8778, UCL = 55.8041, LCL = 45.8159,
    # MR chart UCL = 3.267·MR̄ ≈ 6.13.
    batches = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
    lim = spc.imr_limits(batches)
    assert lim.center == pytest.approx(50.81, abs=5e-3)
    assert lim.spread_center == pytest.approx(1.8778, abs=5e-5)
    assert lim.ucl == pytest.approx(55.8041, abs=2e-3)
    assert lim.lcl == pytest.approx(45.8159, abs=2e-3)
    assert lim.spread_ucl == pytest.approx(6.13, abs=1e-2)
    assert lim.spread_lcl == 0


def test_cpk_interval_matches_quality_digest_example() -> None:
    # Quality Digest, May 2000, "The Last Word" (qualitydigest.com/may00/html/lastword.html):
    # "based upon a random sample of n = 45, I am 95-percent confident that [Cpk] is
    # between 0.89 and 1.41" for a point estimate of 1.15 (Bissell's interval).
    low, high = spc.cpk_interval(1.15, 45)
    assert low == pytest.approx(0.89, abs=5e-3)
    assert high == pytest.approx(1.41, abs=5e-3)


def test_capability_of_the_piston_rings() -> None:
    # Spec 74.000 ± 0.05 mm (Montgomery Exercise 6.x on Table 6.3). Within σ = R̄/d2,
    # overall σ = the sample sd of all 125 rings; the checks are the definitions.
    flat = [x for sample in PISTON for x in sample]
    lim = spc.xbar_r_limits(PISTON)
    cap = spc.capability(flat, 73.95, 74.05, lim.sigma)
    assert cap.n == 125
    assert cap.cp == pytest.approx(0.10 / (6 * lim.sigma))
    assert cap.cpk == pytest.approx(min(74.05 - cap.mean, cap.mean - 73.95) / (3 * lim.sigma))
    assert cap.pp == pytest.approx(0.10 / (6 * statistics.stdev(flat)))
    assert cap.ppk is not None and cap.ppk < cap.cpk
    assert cap.cpk_lower < cap.cpk < cap.cpk_upper
    # Montgomery's σ̂ = R̄/d2 = 0.023/2.326 = 0.0099 rounds the same way
    assert lim.sigma == pytest.approx(0.0099, abs=2e-4)


def test_one_sided_spec_has_cpk_but_no_cp() -> None:
    cap = spc.capability([1.0, 2.0, 3.0, 2.0, 1.0], None, 6.0)
    assert cap.cp is None and cap.pp is None
    assert cap.cpk == pytest.approx((6.0 - cap.mean) / (3 * cap.sigma_within))


# -- rules (Western Electric / Nelson 1-4) on constructed sequences, centre 0, σ 1 -------
def _hits(values: list[float]) -> list[tuple[str, tuple[int, ...]]]:
    return [(h.rule, h.points) for h in spc.evaluate(values, 0.0, 1.0)]


def test_rule_1_names_each_point_beyond_3_sigma() -> None:
    assert _hits([0.5, 3.2, -0.5, -3.01, 0.2]) == [("1", (1,)), ("1", (3,))]
    assert _hits([3.0, -3.0]) == []  # on the limit is not beyond it


def test_rule_2_nine_on_one_side_fires_at_the_ninth_and_each_after() -> None:
    values = [-0.5] + [0.5] * 10
    assert _hits(values) == [("2", tuple(range(1, 10))), ("2", tuple(range(2, 11)))]
    assert _hits([0.5] * 8 + [0.0] + [0.5] * 8) == []  # a centre point breaks the run


def test_rule_3_six_steadily_increasing_or_decreasing() -> None:
    up = [-1.0, -0.6, -0.2, 0.2, 0.6, 1.0]
    assert _hits(up) == [("3", (0, 1, 2, 3, 4, 5))]
    assert _hits(list(reversed(up))) == [("3", (0, 1, 2, 3, 4, 5))]
    assert _hits([-1.0, -0.6, -0.2, -0.2, 0.6, 1.0, 1.4]) == []  # a tie breaks it


def test_rule_4_fourteen_alternating() -> None:
    zigzag = [0.5 if i % 2 else -0.5 for i in range(14)]
    assert _hits(zigzag) == [("4", tuple(range(14)))]
    assert _hits(zigzag[:13]) == []


def test_a_point_can_hit_several_rules_and_each_hit_is_described() -> None:
    values = [0.1, 0.2, 0.3, 0.4, 0.5, 3.5]
    hits = spc.evaluate(values, 0.0, 1.0)
    assert {(h.rule, h.last) for h in hits} == {("1", 5), ("3", 5)}
    assert all(h.description == spc.RULES[h.rule] for h in hits)


def test_spc_alerts_are_one_per_check_and_rule_and_resolve_when_clear() -> None:
    held = {"2": ("9 in a row", "LOT-A"), "1": ("beyond 3σ", "LOT-B")}
    specs = rules.spc_alerts("temp_sensor", "PROC-003", 3, held)
    assert [s.condition_key for s in specs] == ["spc:temp_sensor:1", "spc:temp_sensor:2"]
    assert {s.rule for s in specs} == {"spc.violation"}
    assert specs[0].params["limits_version"] == 3 and specs[0].subject_id == "PROC-003"
    open_keys = {s.condition_key for s in specs}
    # The same rules again (a later hit, another LOT): nothing new; a clean window: resolved.
    again = rules.spc_alerts("temp_sensor", "PROC-003", 3, {"2": ("9 in a row", "LOT-C")})
    assert rules.reconcile(open_keys, again) == ([], ["spc:temp_sensor:1"])
    assert rules.reconcile(open_keys, []) == ([], sorted(open_keys))
