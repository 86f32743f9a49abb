"""The demo word lists (`resources/demo/words.json`), read once: names, mobile prefixes, tags, lifecycle
stages, levels and store cities shared by the workstation demo (`demo/workstation.py`) and the HQ demo
(`hq/demo.py`), so the two make the same kind of people.

Standard library only: HQ imports it without taking anything else of the client or the demo.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WORDS_FILE = Path(__file__).resolve().parents[1] / "resources" / "demo" / "words.json"


@dataclass(frozen=True)
class TagGroupWords:
    name: str
    sort: int
    tags: tuple[tuple[str, str, int], ...]  # (tag, colour, weight)


@dataclass(frozen=True)
class CityWords:
    prefix: str  # store code prefix, e.g. "SH" for SH001
    city: str
    stores: tuple[str, ...]  # store names in the city, first one is store 001


@dataclass(frozen=True)
class DemoWords:
    surnames: tuple[tuple[str, int], ...]  # (surname, share ‰)
    given_female: str  # characters of given names
    given_male: str
    mobile_prefixes: tuple[tuple[str, int], ...]  # (prefix, weight)
    tag_groups: tuple[TagGroupWords, ...]
    stages: tuple[tuple[str, int], ...]  # (stage, share of members)
    levels: tuple[str, ...]
    level_weights: dict[str, tuple[int, ...]]  # stage -> weight of each level
    cities: tuple[CityWords, ...]

    def store_name(self, code: str) -> str | None:
        """The demo name of a store code such as "SH001" (None for a code the cities do not name)."""
        for c in self.cities:
            if code.startswith(c.prefix) and code[len(c.prefix) :].isdigit():
                number = int(code[len(c.prefix) :])
                if 1 <= number <= len(c.stores):
                    return c.city + c.stores[number - 1]
        return None


@cache
def demo_words() -> DemoWords:
    raw = json.loads(WORDS_FILE.read_text(encoding="utf-8"))
    return DemoWords(
        surnames=tuple((n, int(w)) for n, w in raw["surnames"]),
        given_female=raw["given_female"],
        given_male=raw["given_male"],
        mobile_prefixes=tuple((p, int(w)) for p, w in raw["mobile_prefixes"]),
        tag_groups=tuple(
            TagGroupWords(g["group"], int(g["sort"]), tuple((n, c, int(w)) for n, c, w in g["tags"]))
            for g in raw["tag_groups"]
        ),
        stages=tuple((s, int(w)) for s, w in raw["stages"]),
        levels=tuple(raw["levels"]),
        level_weights={k: tuple(int(x) for x in v) for k, v in raw["level_weights"].items()},
        cities=tuple(CityWords(c["prefix"], c["city"], tuple(c["stores"])) for c in raw["cities"]),
    )
