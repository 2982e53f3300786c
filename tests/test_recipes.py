"""Shell recipes of the documentation, run exactly as written."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


def shell_block(page: str, heading: str) -> str:
    """The first ``code-block:: sh`` after ``heading`` in ``docs/<page>``, dedented."""
    text = (DOCS / page).read_text(encoding="utf-8")
    section = text[text.index(f"\n{heading}\n") :]
    match = re.search(r"\.\. code-block:: sh\n\n((?:    .*\n|\n)+)", section)
    assert match, f"no shell block under {heading!r} in {page}"
    return "\n".join(line.removeprefix("    ") for line in match.group(1).splitlines())


def test_webhook_shell_recipe_runs_as_documented(tmp_path: Path) -> None:
    """`csat serve &`, then curl: the recipe waits for the server before it posts."""
    for tool in ("curl", "openssl", "bash"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is needed to run the webhook recipe", pytrace=False)
    recipe = shell_block("webhook.rst", "From a shell")
    assert "csat serve --port 5000 &" in recipe
    with socket.socket() as probe:  # the documented port may be taken on a shared machine
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    script = recipe.replace("5000", port)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # csat, python
    for key in [k for k in env if k.startswith("CSAT_")]:
        del env[key]
    # Files, not pipes: the server the recipe leaves running keeps its output open.
    with (tmp_path / "out").open("w") as stdout, (tmp_path / "err").open("w") as stderr:
        process = subprocess.Popen(
            ["bash", "-e", "-c", script],
            cwd=tmp_path,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # the recipe's `csat serve &` is stopped with its group
        )
        try:
            returncode = process.wait(timeout=120)
        finally:
            with contextlib.suppress(ProcessLookupError):  # the server the recipe left running
                os.killpg(process.pid, signal.SIGTERM)
    out = (tmp_path / "out").read_text(encoding="utf-8")
    assert returncode == 0, (tmp_path / "err").read_text(encoding="utf-8")
    reply = json.loads(out.splitlines()[-1])
    assert reply["created"] is True
    assert reply["decision"] == "delay"  # resolved just now: sent after CSAT_DELAY_SECONDS
    assert (tmp_path / "csat.db").is_file()
