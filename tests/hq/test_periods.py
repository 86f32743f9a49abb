"""A range of store days cut into signed years, months and days counts every day of the range once and
no other day (hq/services/periods.py), whatever the range and wherever today falls."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hq.services.periods import DAY, MONTH, YEAR, Term, cover, weighted

days = st.dates(min_value=date(2023, 1, 1), max_value=date(2028, 12, 31))


def _days_of(term: Term) -> list[date]:
    if term.level == YEAR:
        last = date(term.first.year, 12, 31)
    elif term.level == MONTH:
        last = (term.first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    else:
        last = term.last
    assert term.last == last or term.level == DAY
    return [term.first + timedelta(days=i) for i in range((last - term.first).days + 1)]


@given(days, days, days)
def test_each_day_of_the_range_counts_once_and_no_other_day(start: date, end: date, today: date) -> None:
    """Catches a partial month read whole, a unit taken away twice, a day at a unit's edge dropped."""
    counted: Counter[date] = Counter()
    for term in cover(start, end, today):
        for day in _days_of(term):
            counted[day] += term.sign
    expected = {start + timedelta(days=i): 1 for i in range((end - start).days + 1)}
    assert {d: n for d, n in counted.items() if n} == expected


@given(days, days, days, days)
def test_rows_grouped_by_weight_add_up_to_each_cover(start: date, end: date, end2: date, today: date) -> None:
    """Two covers (the counted range and the overdue one) read as spans of constant weights: each row
    weighs in each cover what the cover's own terms say (catches a span merged across a weight change)."""
    covers = (cover(start, end, today), cover(start, end2, today))
    for level in (YEAR, MONTH, DAY):
        own: list[Counter[date]] = [Counter(), Counter()]  # each cover's weight of each row (day or unit)
        for i, c in enumerate(covers):
            for t in c:
                if t.level == level:
                    for row in _days_of(t) if level == DAY else [t.first]:
                        own[i][row] += t.sign
        read: dict[date, tuple[int, ...]] = {}
        for weights, spans in weighted(level, covers).items():
            for first, last in spans:
                for row in _days_of(Term(DAY, first, last, 1)):
                    assert row not in read
                    read[row] = weights
        expected = {row: (own[0][row], own[1][row]) for row in own[0].keys() | own[1].keys()}
        assert read == {row: w for row, w in expected.items() if any(w)}


def test_a_year_to_today_is_read_as_a_year_less_the_empty_future() -> None:
    """The dashboard's default year: a year row, a month row and the days of the first partial month."""
    terms = cover(date(2025, 11, 20), date(2026, 11, 19), date(2026, 11, 19))
    assert [(t.level, t.sign) for t in terms] == [
        (DAY, 1),
        (MONTH, 1),
        (YEAR, 1),
        (DAY, -1),
        (MONTH, -1),
    ]
