"""The HQ console in a real headless Chromium against a real HQ process on 127.0.0.1, with a real
workstation that enrolls and syncs (`guidedesk sync`): the whole loop an HQ operator lives in.

Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them when missing); without them the
test is skipped with a notice saying so. Screenshots (zh_CN, 1366×768) go to docs/screenshots/ when
GUIDEDESK_SCREENSHOTS=1, to the test's tmp dir otherwise.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db.models import TaskItem as WsTaskItem
from app.services.binding import bind_member
from app.services.tasks import complete_task
from hq.db.models import Binding as HqBinding
from hq.db.models import Decline as HqDecline
from hq.db.models import Member as HqMember
from hq.services import users
from tests.e2e.conftest import ROOT, HqProcess, guide_ref, sync, workstation

PASSWORD = "Console-pass-42"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="CHROMIUM UNAVAILABLE: install Debian's chromium and chromium-driver for the browser tests",
)


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1366,768",
        "--lang=zh-CN",
        "--no-first-run",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(DRIVER)))
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


def _shots(tmp_path: Path) -> Path:
    if os.environ.get("GUIDEDESK_SCREENSHOTS") == "1":
        return ROOT / "docs" / "screenshots"
    return tmp_path


def _guidedesk(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _wait(predicate: object, timeout: float = 5) -> None:
    """Until `predicate()` holds; an element swapped out by htmx meanwhile is simply looked up again."""
    from selenium.common.exceptions import WebDriverException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():  # type: ignore[operator]
                return
        except WebDriverException:
            pass
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _a_month_at_store_b(server: HqProcess) -> None:
    """Thirty days of counter work at store B (enrollments, some paid, declines, bindings), as HQ would
    hold them after the tills synced."""
    rng = random.Random(3)
    store, guide = server.stores["B"], server.guides["B"]
    now = datetime.now(UTC)
    with server.admin.runtime.db.write() as s:
        for day in range(30):
            at = now - timedelta(days=day, hours=rng.randrange(8))
            for i in range(rng.randrange(1, 5)):
                member_id = f"hist-{day}-{i}"
                s.add(
                    HqMember(
                        id=member_id,
                        store_id=store.id,
                        card_no=f"HB{day:02d}{i:02d}",
                        name=f"会员{day}{i}",
                        level="普卡",
                        stage="registered",
                        is_paid=rng.random() < 0.2,
                        online=False,
                        enrolled_at=at,
                        enrolled_by_guide_id=guide.id,
                        created_at=at,
                    )
                )
                s.flush()
                if rng.random() < 0.6:
                    s.add(
                        HqBinding(
                            id=f"hb-{day}-{i}",
                            member_id=member_id,
                            guide_id=guide.id,
                            store_id=store.id,
                            active=True,
                            bound_at=at,
                        )
                    )
            for i in range(rng.randrange(0, 3)):
                s.add(
                    HqDecline(id=f"hd-{day}-{i}", store_id=store.id, guide_id=guide.id, at=at, received_at=at)
                )


def _navigate(d: object, element: object) -> None:
    """Click something that loads a new page, and wait until the old page is gone (else the next lookup
    may find an element of the page being left)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    old = d.find_element(By.TAG_NAME, "html")  # type: ignore[attr-defined]
    element.click()  # type: ignore[attr-defined]

    def left(_driver: object) -> bool:
        try:
            old.is_enabled()  # type: ignore[attr-defined]
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            # Asked mid-navigation, Chromium may answer that the node is no longer in the document
            # instead of "stale": the same fact (seen as a rare failure of this test).
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    WebDriverWait(d, 10).until(left)


def test_console_publish_reaches_a_workstation_and_progress_comes_back(
    tmp_path: Path, hq_server: HqProcess, browser: object
) -> None:
    """Sign in (after another account locks itself out), compose a segment (store A, unbound: the
    member bound at the counter drops out) and see its live count, publish; the list reaches a real
    workstation at `guidedesk sync`, an item is completed there and the console's progress shows it; a
    member named <script> is shown as text; a bad import file shows its line errors and imports
    nothing; a revoked device's next sync is refused."""
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    d = browser
    shots = _shots(tmp_path)
    admin = hq_server.admin
    store_a, store_b = hq_server.stores["A"], hq_server.stores["B"]
    with admin.runtime.db.write() as s:
        users.create_user(
            s, username="hq.admin", password=PASSWORD, role="admin", display_name="王总部", now=admin.clock()
        )
        users.create_user(s, username="careless", password=PASSWORD, role="operator", now=admin.clock())
    names = ["张伟", "王芳", "李静", "刘洋", "陈杰", "<script>alert(1)</script>"]
    members = [admin.member(store_a, n, phone=f"1390000{i:04d}") for i, n in enumerate(names)]
    admin.member(store_b, "北京会员", phone="13911112222")
    _a_month_at_store_b(hq_server)  # history for the dashboard's trend and ranking (store A stays as seeded)
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    sync(ws)
    with ws.db.transaction() as s:  # 张伟 gets an exclusive guide at the counter
        bind_member(s, member_id=members[0].id, guide=guide_ref(hq_server, "A"), now=ws.clock.now())
    sync(ws)
    url = hq_server.url + "/console"

    # Lock-out: five wrong passwords, then even the right one is refused.
    d.get(url + "/")
    assert "/console/sign-in" in d.current_url
    for _ in range(users.MAX_FAILURES):
        d.find_element(By.ID, "username").send_keys("careless")
        d.find_element(By.ID, "password").send_keys("wrong-password!")
        _navigate(d, d.find_element(By.ID, "sign-in"))
    d.find_element(By.ID, "username").send_keys("careless")
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    _navigate(d, d.find_element(By.ID, "sign-in"))
    assert "锁定" in d.find_element(By.ID, "sign-in-error").text

    # Sign in; the dashboard.
    d.find_element(By.ID, "username").send_keys("hq.admin")
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    _navigate(d, d.find_element(By.ID, "sign-in"))
    assert d.find_element(By.ID, "totals").is_displayed()
    assert d.find_element(By.CSS_SELECTOR, "#ranking tbody tr").text
    d.save_screenshot(str(shots / "console-dashboard.png"))

    # Compose: store A only; the preview counts its 6 members (B's member is not in the segment).
    d.get(url + "/tasks/new")
    d.find_element(By.CSS_SELECTOR, f"input[name=stores][value='{store_a.id}']").click()
    _wait(lambda: d.find_element(By.ID, "preview-matched").text == "6")
    Select(d.find_element(By.ID, "seg-bound")).select_by_value("unbound")
    _wait(lambda: d.find_element(By.ID, "preview-receiving").text == "5")
    d.find_element(By.ID, "title").send_keys("沉睡会员唤醒")
    d.find_element(By.ID, "script").send_keys("您好，我是您的专属导购，本周新品到店，欢迎来试穿。")
    d.save_screenshot(str(shots / "console-task-composer.png"))
    _navigate(d, d.find_element(By.ID, "publish"))
    _wait(lambda: "/console/tasks/" in d.current_url and d.find_elements(By.ID, "list-title"))
    list_url = d.current_url

    # The list reaches the workstation at its next `guidedesk sync`; a guide completes one item there.
    answer = _guidedesk(ws.data_dir, "sync", "--json")
    assert answer.returncode == 0, answer.stderr
    with ws.db.read() as s:
        item_ids = s.scalars(select(WsTaskItem.id).where(WsTaskItem.state == "open")).all()
    assert len(item_ids) == 5
    with ws.db.transaction() as s:
        complete_task(
            s,
            task_id=item_ids[0],
            outcome="reached",
            note="已联系",
            guide=guide_ref(hq_server, "A"),
            now=ws.clock.now(),
        )
    sync(ws)
    d.get(list_url)
    assert d.find_element(By.ID, "total-done").text == "1"
    assert "李娜" in d.find_element(By.ID, "progress-guides").text
    d.save_screenshot(str(shots / "console-task-progress.png"))

    # A member whose name is markup is shown as text, never run.
    d.get(f"{url}/members/{members[-1].id}")
    assert d.find_element(By.ID, "member-name").text.startswith("<script>alert(1)</script>")
    assert d.execute_script("return document.querySelectorAll('main script').length") == 0
    with pytest.raises(NoAlertPresentException):
        d.switch_to.alert.accept()
    d.get(f"{url}/members/{members[0].id}")
    assert d.find_element(By.ID, "member-name").text.startswith("张伟")
    assert "李娜" in d.find_element(By.ID, "member-binding").text
    d.save_screenshot(str(shots / "console-member.png"))

    # A bad import file: line errors shown, nothing imported.
    bad = tmp_path / "members.csv"
    bad.write_text(
        "store,name,phone\nSH001,赵敏,13700000001\nSH001,,13700000002\nNOPE,钱多,13700000003\n",
        encoding="utf-8-sig",
    )
    with admin.runtime.db.read() as s:
        before = s.scalar(select(func.count()).select_from(HqMember))
    d.get(url + "/members/import")
    d.find_element(By.ID, "import-file").send_keys(str(bad))
    _navigate(d, d.find_element(By.ID, "import-upload"))
    lines = [r.text.split()[0] for r in d.find_elements(By.CSS_SELECTOR, "#import-errors tbody tr")]
    assert lines == ["3", "4"]
    with admin.runtime.db.read() as s:
        assert s.scalar(select(func.count()).select_from(HqMember)) == before

    # Revoke the workstation; its next sync is refused.
    d.get(url + "/devices")
    d.execute_script("window.confirm = function () { return true; };")
    _navigate(d, d.find_element(By.CSS_SELECTOR, "button.revoke"))
    _wait(lambda: "已吊销" in d.find_element(By.ID, "devices").text)
    refused = _guidedesk(ws.data_dir, "sync", "--json")
    assert refused.returncode != 0
    assert "revoked" in (refused.stdout + refused.stderr)
    script_errors = [
        e for e in d.get_log("browser") if e.get("level") == "SEVERE" and e.get("source") != "network"
    ]
    assert script_errors == []  # no script error and no CSP violation on any page
    ws.close()
