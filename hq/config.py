"""HQ settings, read once from the environment (or built by tests): where the database is, the master
secret, the admin token, and the few limits an operator may tune.

- `GUIDEDESK_HQ_DATA_DIR` — where the default SQLite file lives (default: the platform's user data
  dir, `GuideDeskHQ`).
- `GUIDEDESK_HQ_DB_URL` — SQLAlchemy URL (default `sqlite:///<data dir>/hq.sqlite3`);
  `postgresql+psycopg://…` in production.
- `GUIDEDESK_HQ_SECRET` — the master secret; the cursor HMAC key and the key that seals QR signing keys
  are derived from it (default: generated on first run and kept in the database, `hq_meta`).
- `GUIDEDESK_HQ_ADMIN_TOKEN` — bearer token of the admin API (default: none, the admin API refuses all).
  HQ refuses to start with a weak one (< 32 random characters: `hq.security.tokens`); failed admin
  authentications are rate-limited per client address like enrollment tries.
- `GUIDEDESK_HQ_ADMIN_LISTEN` — `host:port` of a separate listener for the admin API and the console
  (e.g. `127.0.0.1:8766`, or an address only the office network reaches); the main listener then serves
  workstations only. Default: everything on the main listener.
- `GUIDEDESK_HQ_DB_POOL` — database connections per worker (default 8, up to 1.5× at peaks).
- `GUIDEDESK_HQ_TRUST_FORWARDED` — `1` to take the client address from `X-Forwarded-For` (only behind a
  reverse proxy that sets it).
- `GUIDEDESK_HQ_TRUSTED_PROXIES` — the reverse proxies' addresses or networks, comma-separated (default
  `127.0.0.1,::1`): `X-Forwarded-For` is read only from them, and the client is the rightmost hop that is
  not one of them.

The generated secret lives in the database so that every worker and every HQ machine shares it with no
set-up. That is convenient, not strong: whoever reads the database reads the secret. Production sets
`GUIDEDESK_HQ_SECRET` from a secret manager, so a database dump alone reveals neither the QR signing keys
nor how to forge a cursor.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hq.clock import Clock, utc_now

DB_FILENAME = "hq.sqlite3"


class ConfigError(Exception):
    """HQ's settings are unsafe or malformed: HQ does not start (the message says what to change)."""


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("GuideDeskHQ", appauthor=False))


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def _flag(env: Mapping[str, str], name: str) -> bool:
    """A yes/no setting; anything else is refused rather than read as "no" (a typo must not silently
    turn a proxy setting off)."""
    text = env.get(name, "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1/true/yes/on or 0/false/no/off, not {env[name]!r}")


def _whole(env: Mapping[str, str], name: str, lo: int, hi: int) -> int:
    text = env[name].strip()
    if not text.isdigit() or not lo <= int(text) <= hi:
        raise ConfigError(f"{name} must be a whole number from {lo} to {hi}, not {env[name]!r}")
    return int(text)


@dataclass(frozen=True)
class Settings:
    db_url: str
    data_dir: Path
    secret: str | None = None  # None: generated once and kept in hq_meta
    admin_token: str | None = None
    trust_forwarded: bool = False
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    # Enrollment: a code is good for this long unless the admin says otherwise; this many failed tries
    # from one address within the window lock that address out until the window passes.
    enroll_code_ttl_hours: int = 72
    enroll_max_failures: int = 10
    enroll_failure_window_s: int = 600
    # Failed admin authentications: this many from one address within the window lock it out (429).
    admin_max_failures: int = 10
    admin_failure_window_s: int = 600
    # "host:port" of a separate listener for the admin API and console; None: on the main listener.
    admin_listen: str | None = None
    # Change-index removes older than this are pruned; a cursor from before them must reset.
    retention_days: int = 90
    # A signed member code presented with a bind is still proof of presence this long after it expired
    # (the bind may have been made offline and pushed later).
    code_offline_grace_s: int = 3 * 24 * 3600
    # Connections per worker (plus half as many again at peaks, plus the one the idle pull keeps on the
    # event loop): workers × (1.5 × pool + 1), 13 per worker by default, must stay under the PostgreSQL
    # server's max_connections.
    db_pool_size: int = 8
    clock: Clock = field(default=utc_now, compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("GUIDEDESK_HQ_DATA_DIR") or default_data_dir())
        values: dict[str, object] = {
            "db_url": env.get("GUIDEDESK_HQ_DB_URL") or sqlite_url(data_dir / DB_FILENAME),
            "data_dir": data_dir,
            "secret": env.get("GUIDEDESK_HQ_SECRET") or None,
            "admin_token": env.get("GUIDEDESK_HQ_ADMIN_TOKEN") or None,
            "admin_listen": env.get("GUIDEDESK_HQ_ADMIN_LISTEN") or None,
            "trust_forwarded": _flag(env, "GUIDEDESK_HQ_TRUST_FORWARDED"),
        }
        if env.get("GUIDEDESK_HQ_TRUSTED_PROXIES"):
            values["trusted_proxies"] = tuple(
                p.strip() for p in env["GUIDEDESK_HQ_TRUSTED_PROXIES"].split(",") if p.strip()
            )
        if env.get("GUIDEDESK_HQ_DB_POOL"):
            values["db_pool_size"] = _whole(env, "GUIDEDESK_HQ_DB_POOL", 1, 200)
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def check(self) -> None:
        """Refuse to run with settings that would be unsafe: raises ConfigError with the reason."""
        from hq.security.tokens import admin_token_weakness

        if self.admin_token is not None:
            weakness = admin_token_weakness(self.admin_token)
            if weakness is not None:
                raise ConfigError(
                    f"GUIDEDESK_HQ_ADMIN_TOKEN is too weak ({weakness}): use at least 32 random characters, "
                    "e.g. `guidedesk-hq gen-token`"
                )
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ConfigError(
                    f"GUIDEDESK_HQ_TRUSTED_PROXIES: {proxy!r} is not an address or network"
                ) from None
        if self.admin_listen is not None:
            host, _, port = self.admin_listen.rpartition(":")
            if not host or not port.isdigit():
                raise ConfigError("GUIDEDESK_HQ_ADMIN_LISTEN must be host:port, e.g. 127.0.0.1:8766")

        if not self.db_url.startswith(("sqlite", "postgresql")):
            scheme = self.db_url.split(":", 1)[0]
            raise ConfigError(
                f"GUIDEDESK_HQ_DB_URL must be a sqlite:/// or postgresql+psycopg:// URL, not {scheme}:…"
            )

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")
