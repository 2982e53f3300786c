"""examples/helpdesk_app.py: resolve a ticket, answer badly, the lead works the case."""

from __future__ import annotations

import http.cookiejar
import importlib.util
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from .web import csrf_token

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "helpdesk_app.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("helpdesk_app", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # SQLAlchemy resolves the models' annotations there
    spec.loader.exec_module(module)
    return module


LEAD_PASSWORD = "only for this test"


def test_resolve_invite_answer_and_the_lead_works_the_case(tmp_path: Path) -> None:
    app = _load().create_app(f"sqlite:///{tmp_path / 'helpdesk.db'}", lead_password=LEAD_PASSWORD)
    app.config["TESTING"] = True
    client = app.test_client()
    assert client.post("/tickets/1/resolve").status_code == 303
    index = client.get("/").text
    match = re.search(r'href="http://127\.0\.0\.1:5000(/feedback/[\w-]+)"', index)
    assert match, index
    path = match.group(1)
    page = client.get(f"{path}?understood=1")
    assert "Hatten Sie das Gefühl" in page.text  # the ticket's locale
    data = {"csrf_token": csrf_token(client, path), "understood": "1", "comment": "Kein Gehör."}
    assert client.post(path, data=data).status_code == 303

    assert client.get("/csat/follow-ups").status_code == 403  # nobody signed in
    login = {"csrf_token": csrf_token(client, "/login"), "name": "demo", "password": "guess"}
    assert client.post("/login", data=login).status_code == 400
    signed_in = client.post("/login", data={**login, "password": LEAD_PASSWORD})
    assert (signed_in.status_code, signed_in.headers["Location"]) == (303, "/csat/follow-ups")
    cases = client.get("/csat/follow-ups").text
    assert "Signed in as demo" in cases and ">Ticket 1</a>" in cases
    case_path = re.search(r'href="(/csat/follow-ups/\d+)"', cases)
    assert case_path, cases
    case = client.get(case_path.group(1)).text
    assert "Kein Gehör." in case and "ana" in case
    token = re.search(r'name="claim-csrf_token" type="hidden" value="([^"]+)"', case)
    assert token, case
    claimed = client.post(f"{case_path.group(1)}/claim", data={"claim-csrf_token": token[1]})
    assert claimed.status_code == 303
    assert "demo</strong>: claimed" in client.get(case_path.group(1)).text
    client.post("/logout")
    assert client.get("/csat/follow-ups").status_code == 403
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def test_without_a_demo_password_no_lead_can_sign_in(tmp_path: Path) -> None:
    app = _load().create_app(f"sqlite:///{tmp_path / 'helpdesk.db'}")
    app.config["TESTING"] = True
    client = app.test_client()
    assert "No lead can sign in" in client.get("/login").text
    for password in ("", "demo", "None"):
        login = {"csrf_token": csrf_token(client, "/login"), "name": "demo", "password": password}
        assert client.post("/login", data=login).status_code == 400
    assert client.get("/csat/follow-ups").status_code == 403
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


# -- `make serve` exactly as it runs ---------------------------------------------------------

ROOT = EXAMPLE.parent.parent


def serve_command() -> list[str]:
    """The ``serve`` recipe of the Makefile, with this interpreter for ``$(BIN)/python``."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    recipe = lines[lines.index("serve: $(STAMP)") + 1]
    assert recipe.startswith("\t$(BIN)/python "), recipe
    assert "serve: export HELPDESK_DEMO_PASSWORD = $(DEMO_PASSWORD)" in lines  # see served()
    return [sys.executable, *shlex.split(recipe.removeprefix("\t$(BIN)/python "))]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None  # let the test see each 303


@contextmanager
def served(cwd: Path, log: list[str] | None = None) -> Iterator[str]:
    """`make serve`'s command run in ``cwd`` (a free port added); its base URL once it listens.

    The environment has ``HELPDESK_DEMO_PASSWORD``, as the Makefile exports it to
    the recipe (a fresh password); ``log`` gets the lines printed at the start.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [*serve_command(), "--port", str(port)]
    env = {**os.environ, "HELPDESK_DEMO_PASSWORD": secrets.token_urlsafe(12)}
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert process.stderr is not None
    watchdog = threading.Timer(60, process.kill)  # a hang fails the test, not the run
    watchdog.start()
    drain = threading.Thread(target=process.stderr.read)  # the request log, after start-up
    try:
        log = [] if log is None else log
        for line in process.stderr:  # Werkzeug says when it listens
            log.append(line)
            if "Running on http://127.0.0.1:" in line:
                break
        else:
            raise AssertionError(f"{command} did not start: {''.join(log)}")
        drain.start()
        yield f"http://127.0.0.1:{port}"
    finally:
        watchdog.cancel()
        process.terminate()
        process.wait(timeout=30)
        if drain.is_alive():
            drain.join()
        process.stderr.close()


def test_make_serve_resolve_and_answer_over_http(tmp_path: Path) -> None:
    """`make serve` on a fresh clone: the page, "Resolve", the link, the survey: no 500."""
    (tmp_path / "examples").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "examples" / "helpdesk_app.py")
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
    )

    def call(url: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        body = None if data is None else urllib.parse.urlencode(data).encode()
        try:
            with opener.open(url, body, timeout=30) as response:
                return response.status, response.read().decode(), ""
        except urllib.error.HTTPError as e:  # the 303s (and any error, to show it)
            with e:
                status, text, location = e.code, e.read().decode(), e.headers["Location"]
        assert 300 <= status < 400, f"{url}: HTTP {status}: {text}"
        return status, text, location

    log: list[str] = []
    with served(tmp_path, log) as base:
        status, page, _ = call(f"{base}/")
        assert status == 200 and "<button>Resolve</button>" in page
        assert call(f"{base}/tickets/1/resolve", {})[0] == 303
        status, page, _ = call(f"{base}/")
        match = re.search(r'href="(http://127\.0\.0\.1:\d+/feedback/[\w-]+)"', page)
        assert match, page
        link = match.group(1)
        assert link.startswith(base)
        status, survey, _ = call(link)
        assert status == 200 and "Hatten Sie das Gefühl" in survey
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', survey)
        assert token, survey
        answers = {"csrf_token": token.group(1), "understood": "2", "comment": "Kein Gehör."}
        status, _, location = call(link, answers)
        assert status == 303
        assert call(urllib.parse.urljoin(link, location))[0] == 200

        printed = re.search(r"sign in as 'demo' with the password '([\w-]+)'", "".join(log))
        assert printed, log  # make serve prints the demo's login
        status, page, _ = call(f"{base}/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert status == 200 and token, page
        login = {"csrf_token": token[1], "name": "demo", "password": printed[1]}
        assert call(f"{base}/login", login)[2] == "/csat/follow-ups"
        status, cases, _ = call(f"{base}/csat/follow-ups")
        assert status == 200 and ">Ticket 1</a>" in cases and "Signed in as demo" in cases
    # The database is the one the command names, relative to where it ran (as `csat` reads it).
    assert (tmp_path / "demo.db").is_file()
    assert not (tmp_path / "examples" / "instance").exists()


def test_helpdesk_page_is_styled_and_fits_320_px(tmp_path: Path, browser: Any) -> None:
    """The example's own page: a stylesheet, large targets, no sideways scrolling at 320 px."""
    (tmp_path / "examples").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "examples" / "helpdesk_app.py")
    with served(tmp_path) as base:
        context = browser.new_context(viewport={"width": 320, "height": 640})
        page = context.new_page()
        page.goto(f"{base}/")
        page.get_by_role("button", name="Resolve").first.click()  # a long survey link shows
        page.wait_for_url(f"{base}/")
        assert page.get_by_role("link").count() == 3  # the survey, the console, sign in
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        for link in page.locator("nav a").all():
            box = link.bounding_box()
            assert box is not None and box["height"] >= 44
        button = page.get_by_role("button", name="Resolve").first.bounding_box()
        assert button is not None and button["height"] >= 44  # a comfortable touch target
        style = page.evaluate(
            "(() => { const s = getComputedStyle(document.body);"
            " return [s.fontSize, s.maxWidth, document.styleSheets.length]; })()"
        )
        assert style == ["16px", "672px", 1]
        assert page.locator("main h1").inner_text() == "Helpdesk"
        context.close()
