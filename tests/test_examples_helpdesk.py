"""examples/helpdesk_app.py: resolve a ticket, answer badly, see the callback task."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

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
