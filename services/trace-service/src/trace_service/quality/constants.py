"""Shewhart chart constants for subgroups of n = 2..25.

d2 (mean of the relative range) and d3 (its standard deviation) are the tabulated
values of ASTM E2587 / Montgomery, Appendix VI, to four decimals (a unit test
recomputes them by numerical integration); c4 is exact. Every other factor is derived
from these three by its definition, so the table cannot disagree with itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# n: (d2, d3)
_D2_D3: dict[int, tuple[float, float]] = {
    2: (1.1284, 0.8525),
    3: (1.6926, 0.8884),
    4: (2.0588, 0.8798),
    5: (2.3259, 0.8641),
    6: (2.5344, 0.8480),
    7: (2.7044, 0.8332),
    8: (2.8472, 0.8198),
    9: (2.9700, 0.8078),
    10: (3.0775, 0.7971),
    11: (3.1729, 0.7873),
    12: (3.2585, 0.7785),
    13: (3.3360, 0.7704),
    14: (3.4068, 0.7630),
    15: (3.4718, 0.7562),
    16: (3.5320, 0.7499),
    17: (3.5879, 0.7441),
    18: (3.6401, 0.7386),
    19: (3.6890, 0.7335),
    20: (3.7350, 0.7287),
    21: (3.7783, 0.7242),
    22: (3.8194, 0.7199),
    23: (3.8583, 0.7159),
    24: (3.8953, 0.7121),
    25: (3.9306, 0.7084),
}
MIN_N, MAX_N = 2, 25


@dataclass(frozen=True)
class Constants:
    n: int
    d2: float
    d3: float
    c4: float
    A2: float  # X̄ from R̄
    A3: float  # X̄ from s̄
    D3: float  # R chart LCL
    D4: float  # R chart UCL
    B3: float  # s chart LCL
    B4: float  # s chart UCL
    E2: float  # individuals from MR̄ (n = span of the moving range)


def c4(n: int) -> float:
    """E[s]/σ for a normal sample of n: √(2/(n−1))·Γ(n/2)/Γ((n−1)/2)."""
    return math.sqrt(2 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


def constants(n: int) -> Constants:
    if not MIN_N <= n <= MAX_N:
        raise ValueError(f"chart constants exist for n = {MIN_N}..{MAX_N}, not {n}")
    d2, d3 = _D2_D3[n]
    k4 = c4(n)
    spread = 3 * math.sqrt(1 - k4 * k4) / k4
    return Constants(
        n=n,
        d2=d2,
        d3=d3,
        c4=k4,
        A2=3 / (d2 * math.sqrt(n)),
        A3=3 / (k4 * math.sqrt(n)),
        D3=max(0.0, 1 - 3 * d3 / d2),
        D4=1 + 3 * d3 / d2,
        B3=max(0.0, 1 - spread),
        B4=1 + spread,
        E2=3 / d2,
    )
