"""create_app() from the environment, and `csat serve` as a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from csat.web import create_app, get_service

from .conftest import SECRET


def test_create_app_reads_csat_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("CSAT_SECRET_KEY", SECRET)
    monkeypatch.setenv("CSAT_DATABASE_URL", url)
    monkeypatch.setenv("CSAT_URL_PREFIX", "/feedback")
    app = create_app()
    assert app.config["CSAT_URL_PREFIX"] == "/feedback"
    assert app.config["SECRET_KEY"] != SECRET  # derived, never the CSAT key itself
    service = get_service(app)
    assert str(service.engine.url) == url
    client = app.test_client()
    missing_tables = client.get("/feedback/AAAAAAAAAAAAAAAAAAAAAAAA")
    assert missing_tables.status_code == 503  # a friendly page, logged, no traceback
    assert "Traceback" not in missing_tables.text
    service.create_all()
    assert client.get("/feedback/AAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    service.engine.dispose()


def test_create_app_requires_the_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CSAT_SECRET_KEY", raising=False)
    with pytest.raises(Exception, match="CSAT_SECRET_KEY"):
        create_app()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_csat_serve_runs_the_pages(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    env = dict(os.environ, CSAT_SECRET_KEY=SECRET)
    cli = [str(Path(sys.executable).with_name("csat"))]
    subprocess.run([*cli, "db", "upgrade", "--db", db], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--db", db, "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/survey/AAAAAAAAAAAAAAAAAAAAAAAA",
            headers={"Accept-Language": "de"},
        )
        answer: urllib.error.HTTPError | None = None
        for _ in range(100):
            try:
                urllib.request.urlopen(request, timeout=2)  # noqa: S310 - loopback
            except urllib.error.HTTPError as e:
                answer = e
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        assert answer is not None, "csat serve did not answer"
        assert answer.code == 404
        assert "Dieser Umfrage-Link ist ungültig" in answer.read().decode()
        answer.close()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/survey/<token>" in output
