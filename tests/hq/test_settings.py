"""HQ settings are checked when read: a bad value stops HQ with a message naming the variable, never a
traceback or a silently different setting."""

from __future__ import annotations

import pytest

from hq.cli import main
from hq.config import ConfigError, Settings


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("GUIDEDESK_HQ_DB_POOL", "eight", "GUIDEDESK_HQ_DB_POOL must be a whole number from 1 to 200"),
        ("GUIDEDESK_HQ_DB_POOL", "0", "GUIDEDESK_HQ_DB_POOL must be a whole number from 1 to 200"),
        ("GUIDEDESK_HQ_TRUST_FORWARDED", "ture", "GUIDEDESK_HQ_TRUST_FORWARDED must be 1/true/yes/on"),
    ],
)
def test_a_bad_value_is_refused_by_name(tmp_path, name: str, value: str, says: str) -> None:
    """Was: int() raised a bare ValueError for the pool, and a mistyped flag silently meant "no"."""
    with pytest.raises(ConfigError, match=says):
        Settings.from_env({"GUIDEDESK_HQ_DATA_DIR": str(tmp_path), name: value})


def test_flags_read_the_usual_spellings(tmp_path) -> None:
    env = {"GUIDEDESK_HQ_DATA_DIR": str(tmp_path), "GUIDEDESK_HQ_TRUST_FORWARDED": "On"}
    assert Settings.from_env(env).trust_forwarded
    assert not Settings.from_env({**env, "GUIDEDESK_HQ_TRUST_FORWARDED": "0"}).trust_forwarded


def test_the_cli_prints_the_reason_and_exits_2(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("GUIDEDESK_HQ_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GUIDEDESK_HQ_DB_POOL", "lots")
    assert main(["migrate"]) == 2
    assert "error: GUIDEDESK_HQ_DB_POOL must be a whole number" in capsys.readouterr().err


def test_an_unknown_database_is_refused_at_check(tmp_path) -> None:
    settings = Settings.from_env({"GUIDEDESK_HQ_DATA_DIR": str(tmp_path), "GUIDEDESK_HQ_DB_URL": "mysql://x"})
    with pytest.raises(ConfigError, match="GUIDEDESK_HQ_DB_URL must be a sqlite"):
        settings.check()
