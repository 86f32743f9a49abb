"""Every word the console's templates show has its Simplified Chinese text (zh_CN is the default)."""

from __future__ import annotations

import re

from hq.console import i18n
from hq.console.web import HERE, env
from hq.services.dashboard import Figures

SOURCE = re.compile(r"""_\(\s*(["'])(.+?)(?<!\\)\1""")


def test_every_template_text_has_a_chinese_translation() -> None:
    """A text added to a template without its zh_CN entry would show English to a Chinese HQ."""
    missing = set()
    for template in (HERE / "templates").glob("*.html"):
        for _quote, text in SOURCE.findall(template.read_text(encoding="utf-8")):
            text = text.replace("\\'", "'")
            if text not in i18n.ZH:
                missing.add((template.name, text))
    assert sorted(missing) == []


def test_every_value_shown_through_the_catalogue_has_a_chinese_translation() -> None:
    """Kinds, task states and outcomes, stages, roles and policy fields are shown as `_(value)`."""
    from contract.policy import POLICY_FIELDS
    from hq.services.members import STAGES
    from hq.services.tasks import KINDS
    from hq.services.users import ROLES
    from hq.sync.handlers.tasks import OUTCOMES

    values = {*KINDS, *STAGES, *ROLES, *POLICY_FIELDS, *OUTCOMES, "open", "done", "skipped", "cancelled"}
    assert sorted(v for v in values if v not in i18n.ZH) == []


def test_counts_on_the_dashboard_carry_thousands_separators() -> None:
    """A chain's year is six-digit numbers: 998,399 reads at a glance on the tiles and in the tables."""
    rendered = env.from_string('{% from "_macros.html" import fig_cells %}{{ fig_cells(f) }}').render(
        f=Figures(998_399, 1_000, 0, 12, 3, 4, 5)
    )
    assert ">998,399<" in rendered and ">1,000<" in rendered and ">12<" in rendered
