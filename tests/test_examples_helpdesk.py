"""examples/helpdesk_app.py: resolve a ticket, answer badly, see the callback task."""

from __future__ import annotations

import http.cookiejar
import importlib.util
import re
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


def test_resolve_invite_answer_and_callback_task(tmp_path: Path) -> None:
    app = _load().create_app(f"sqlite:///{tmp_path / 'helpdesk.db'}")
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
    assert "Ticket 1: call back (ana, 1st Level; understood 1" in client.get("/").text
    assert "Kein Gehör." in client.get("/").text
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


# -- `make serve` exactly as it runs ---------------------------------------------------------

ROOT = EXAMPLE.parent.parent


def serve_command() -> list[str]:
    """The ``serve`` recipe of the Makefile, with this interpreter for ``$(BIN)/python``."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    recipe = lines[lines.index("serve: $(STAMP)") + 1]
    assert recipe.startswith("\t$(BIN)/python "), recipe
    return [sys.executable, *shlex.split(recipe.removeprefix("\t$(BIN)/python "))]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None  # let the test see each 303


@contextmanager
def served(cwd: Path) -> Iterator[str]:
    """`make serve`'s command run in ``cwd`` (a free port added); its base URL once it listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [*serve_command(), "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=cwd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert process.stderr is not None
    watchdog = threading.Timer(60, process.kill)  # a hang fails the test, not the run
    watchdog.start()
    drain = threading.Thread(target=process.stderr.read)  # the request log, after start-up
    try:
        log = []
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

    with served(tmp_path) as base:
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
        assert "Ticket 1: call back (ana, 1st Level; understood 2" in call(f"{base}/")[1]
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
        assert page.get_by_role("link").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        button = page.get_by_role("button", name="Resolve").first.bounding_box()
        assert button is not None and button["height"] >= 44  # a comfortable touch target
        style = page.evaluate(
            "(() => { const s = getComputedStyle(document.body);"
            " return [s.fontSize, s.maxWidth, document.styleSheets.length]; })()"
        )
        assert style == ["16px", "672px", 1]
        assert page.locator("main h1").inner_text() == "Helpdesk"
        context.close()
