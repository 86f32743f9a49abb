"""A range of store days as signed whole years, months and runs of days: the fewest roll-up rows
(hq/db/rollup.py) that add up to the range.

A partial year or month is read either as its days inside the range, or as the whole unit less its days
outside — whichever reads fewer rows. Days after today hold almost nothing (only items due later), so a
year to date ending today is one year row less a stretch of empty future: a 365-day range over 1,000
stores reads ~7 rows per store and guide instead of the ~150 of its days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from itertools import pairwise
from typing import NamedTuple

YEAR, MONTH, DAY = "year", "month", "day"
_ONE = timedelta(days=1)
# Rows read per store and guide, roughly: a year or month row each; a past day about half of one (a
# guide is not busy every day); a future day almost none.
_PAST_DAY, _FUTURE = 0.5, 0.02


class Term(NamedTuple):
    level: str  # YEAR or MONTH: one unit starting at `first`; DAY: every day in [first, last]
    first: date
    last: date
    sign: int  # +1 added, -1 taken away


def cover(start: date, end: date, today: date) -> list[Term]:
    """Terms whose signed sum over [start, end] counts each day in it once and every other day zero
    times (empty when start > end)."""
    return _cover(start, end, today, YEAR)


def _units(level: str, start: date, end: date) -> list[tuple[date, date]]:
    out = []
    first = date(start.year, 1, 1) if level == YEAR else start.replace(day=1)
    while first <= end:
        after = (
            date(first.year + 1, 1, 1) if level == YEAR else (first.replace(day=28) + 4 * _ONE).replace(day=1)
        )
        out.append((first, after - _ONE))
        first = after
    return out


def _cover(start: date, end: date, today: date, level: str) -> list[Term]:
    if start > end:
        return []
    if level == DAY:
        return [Term(DAY, start, end, 1)]
    finer = MONTH if level == YEAR else DAY
    out: list[Term] = []
    for first, last in _units(level, start, end):
        lo, hi = max(start, first), min(end, last)
        whole = [Term(level, first, last, 1)]
        if (lo, hi) != (first, last):
            inside = _cover(lo, hi, today, finer)
            outside = _cover(first, lo - _ONE, today, finer) + _cover(hi + _ONE, last, today, finer)
            whole += [t._replace(sign=-t.sign) for t in outside]
            if _cost(inside, today) <= _cost(whole, today):
                out += inside
                continue
        out += whole
    return out


def _cost(terms: list[Term], today: date) -> float:
    total = 0.0
    for t in terms:
        if t.level != DAY:
            total += 1 if t.first <= today else _FUTURE
            continue
        past = max(0, (min(t.last, today) - t.first).days + 1)
        total += past * _PAST_DAY + ((t.last - t.first).days + 1 - past) * _FUTURE
    return total


def weighted(level: str, covers: Sequence[list[Term]]) -> dict[tuple[int, ...], list[tuple[date, date]]]:
    """The rows of `level` that any of `covers` reads, grouped by their weight in each cover (+1, -1 or 0):
    so a reader adds each row once, times constants, without testing every row against every term.
    Spans are runs of days, or for years and months one unit each (first == its first day)."""
    terms = [(i, t) for i, cover_ in enumerate(covers) for t in cover_ if t.level == level]
    if level == DAY:
        cuts = sorted({t.first for _, t in terms} | {t.last + _ONE for _, t in terms})
        pieces = [(a, b - _ONE) for a, b in pairwise(cuts)]
    else:
        pieces = sorted({(t.first, t.first) for _, t in terms})
    out: dict[tuple[int, ...], list[tuple[date, date]]] = {}
    for a, b in pieces:
        weights = tuple(
            sum(t.sign for j, t in terms if j == i and t.first <= a and b <= t.last)
            for i in range(len(covers))
        )
        if not any(weights):
            continue
        spans = out.setdefault(weights, [])
        if spans and level == DAY and spans[-1][1] + _ONE == a:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return out
