"""The console's doors: every route refuses a signed-out request and a role without the right, every
form post needs the session's CSRF token, wrong passwords lock the account, sessions expire, the cookie
is HttpOnly + SameSite, and member-supplied text is shown escaped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute

from hq.services import users
from tests.hq.console.conftest import PASSWORD, Console

PUBLIC = {"/console/sign-in", "/console/lang/{lang}"}


def _permission(dependant: Any) -> str | None:
    for dep in dependant.dependencies:
        found = getattr(dep.call, "permission", None) or _permission(dep)
        if found:
            return str(found)
    return None


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute with its full path, through included routers (kept nested by this FastAPI)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)


def console_routes(console: Console) -> list[tuple[str, str, str | None]]:
    out = []
    for path, route in _walk(console.hq.client.app.routes):
        if path.startswith("/console") and path not in PUBLIC:
            for method in route.methods:
                out.append((method, path, _permission(route.dependant)))
    return out


def _url(path: str) -> str:
    return (
        path.replace("{what}", "stores")
        .replace("{fmt}", "csv")
        .replace("{list_id}", "x")
        .replace("{member_id}", "x")
        .replace("{device_id}", "x")
    )


def test_every_console_route_names_a_permission(console: Console) -> None:
    """A route added without a role check would be open to any signed-in user (or to anyone)."""
    routes = console_routes(console)
    assert len(routes) >= 4
    unguarded = [(m, p) for m, p, perm in routes if perm is None]
    assert unguarded == []


def test_signed_out_requests_are_refused_everywhere(console: Console) -> None:
    """Signed out, a page sends you to sign-in and a post is refused 401; nothing is shown or done."""
    client = console.client()
    for method, path, _perm in console_routes(console):
        answer = client.request(method, _url(path), follow_redirects=False)
        if method == "GET":
            assert answer.status_code == 303, (method, path)
            assert answer.headers["location"].startswith("/console/sign-in"), path
        else:
            assert answer.status_code in (401, 403), (method, path, answer.status_code)


@pytest.mark.parametrize("role", ["analyst", "operator"])
def test_roles_without_the_right_are_refused(console: Console, role: str) -> None:
    """Each route whose permission the role lacks answers 403, with the role's own valid CSRF token."""
    client, csrf = console.sign_in(role)
    checked = 0
    for method, path, perm in console_routes(console):
        if perm in users.ALLOWED[role]:
            continue
        data = {"csrf": csrf} if method == "POST" else None
        answer = client.request(method, _url(path), data=data, follow_redirects=False)
        assert answer.status_code == 403, (role, method, path, answer.status_code)
        checked += 1
    assert checked > 0


def test_a_post_without_the_csrf_token_is_refused(console: Console) -> None:
    """Signed in, a sign-out post with no token or another token does nothing (the session lives on)."""
    client, csrf = console.sign_in("admin")
    assert client.post("/console/sign-out", follow_redirects=False).status_code == 403
    assert (
        client.post("/console/sign-out", data={"csrf": csrf[:-2] + "xx"}, follow_redirects=False).status_code
        == 403
    )
    assert client.get("/console/", follow_redirects=False).status_code == 200
    assert client.post("/console/sign-out", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_five_wrong_passwords_lock_the_account(console: Console) -> None:
    """After five wrong passwords even the right one is refused until the lock passes."""
    client = console.client()
    for _ in range(users.MAX_FAILURES):
        wrong = client.post("/console/sign-in", data={"username": "operator", "password": "nope-nope-nope"})
        assert wrong.status_code in (401, 423)
    locked = client.post(
        "/console/sign-in", data={"username": "operator", "password": PASSWORD}, follow_redirects=False
    )
    assert locked.status_code == 423
    assert "锁定" in locked.text
    with console.hq.runtime.db.read() as s:
        refused = [e for e in users.list_audit(s, console_only=True) if e.action == "console.sign_in_refused"]
    assert len(refused) == users.MAX_FAILURES + 1 and {e.by for e in refused} == {"operator"}
    console.hq.clock.advance(seconds=users.LOCK_FOR.total_seconds() + 1)
    console.sign_in("operator")


def test_session_cookie_is_httponly_and_samesite(console: Console) -> None:
    client = console.client()
    answer = client.post(
        "/console/sign-in", data={"username": "admin", "password": PASSWORD}, follow_redirects=False
    )
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/console" in cookie
    assert "secure" not in cookie  # plain http here; behind TLS the flag is set (test below)


def test_session_cookie_is_secure_over_https(console: Console) -> None:
    client = console.client()
    client.base_url = "https://testserver"  # type: ignore[assignment]
    answer = client.post(
        "https://testserver/console/sign-in",
        data={"username": "admin", "password": PASSWORD},
        follow_redirects=False,
    )
    assert "secure" in answer.headers["set-cookie"].lower()


def test_sessions_expire_when_idle(console: Console) -> None:
    """Half an hour without a request ends the session."""
    client, _ = console.sign_in("analyst")
    console.hq.clock.advance(seconds=users.SESSION_IDLE.total_seconds() - 60)
    assert client.get("/console/", follow_redirects=False).status_code == 200
    console.hq.clock.advance(seconds=users.SESSION_IDLE.total_seconds() + 1)
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_sessions_expire_after_the_maximum_even_when_busy(console: Console) -> None:
    client, _ = console.sign_in("analyst")
    for _ in range(int(users.SESSION_MAX / users.SESSION_IDLE) + 1):
        console.hq.clock.advance(seconds=users.SESSION_IDLE.total_seconds() - 60)
        if client.get("/console/", follow_redirects=False).status_code == 303:
            break
    else:
        pytest.fail("the session outlived SESSION_MAX")


def test_sign_in_redirect_stays_on_this_site(console: Console) -> None:
    """`next` pointing elsewhere is ignored: no open redirect through the sign-in form."""
    client = console.client()
    answer = client.post(
        "/console/sign-in",
        data={"username": "admin", "password": PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/console/"
