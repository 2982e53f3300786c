"""The helpdesk pages of the documentation tell the truth: each page's signed
test request, run by bash with the real openssl, is accepted by csat, and
every options example is valid."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine

from csat import Settings
from csat.clock import utcnow
from csat.hooks import enabled

from .conftest import unavailable
from .hook_specs import GENERIC_MAPPING, SPECS, Spec, app_config
from .web import make_app

PAGES = Path(__file__).parent.parent / "docs" / "hooks"
CAPTION = "    :caption: A signed test request"
#: Stands in for curl: prints its arguments, NUL-separated, instead of sending.
FAKE_CURL = "curl() { printf '%s\\0' \"$@\"; }\n"


def _test_request(page: Path) -> str:
    """The shell code of the page's block captioned "A signed test request"."""
    lines = page.read_text(encoding="utf-8").splitlines()
    block: list[str] = []
    for line in lines[lines.index(CAPTION) + 1 :]:
        if line and not line.startswith("    "):
            break
        block.append(line.removeprefix("    "))
    return "\n".join(block).strip()


def _curl_arguments(script: str) -> list[str]:
    for tool in ("bash", "openssl"):
        if shutil.which(tool) is None:
            unavailable(f"no {tool}: the documentation's test requests need it")
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", FAKE_CURL + script], capture_output=True, check=True
    )
    return done.stdout.decode().split("\0")[:-1]


def _request(arguments: list[str]) -> tuple[str, dict[str, str], bytes]:
    """The path, headers and body of a curl command line."""
    url, headers, body = "", {}, b""
    items = iter(arguments)
    for item in items:
        if item == "-H":
            name, _, value = next(items).partition(": ")
            headers[name] = value
        elif item == "--data-binary":
            body = next(items).encode()
        elif item.startswith("https://"):
            url = item
        else:
            assert item == "-s", item
    return urlsplit(url).path, headers, body


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_each_pages_test_request_is_accepted(engine: Engine, spec: Spec) -> None:
    script = _test_request(PAGES / f"{spec.name}.rst")
    match = re.search(r"^secret='([^']+)'$", script, re.MULTILINE)
    assert match, script
    path, headers, body = _request(_curl_arguments(script))
    assert path == f"/survey/hooks/{spec.name}"
    app = make_app(engine, utcnow, **app_config(replace(spec, secret=match.group(1))))
    response = app.test_client().post(path, data=body, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["created"] is True and response.json["decision"] == "delay"


def _examples(text: str, key: str) -> list[str]:
    """The values of ``export KEY='…'`` in a page's shell blocks (over several lines)."""
    return re.findall(rf"export {key}='([^']*)'", text)


def test_every_options_example_is_valid() -> None:
    found = 0
    for page in sorted(PAGES.glob("*.rst")):
        text = page.read_text(encoding="utf-8")
        mappings = [json.loads(m) for m in _examples(text, "CSAT_HOOK_MAPPING")]
        for example in _examples(text, "CSAT_HOOK_OPTIONS"):
            options = json.loads(example)
            settings = Settings(
                hook_secrets=dict.fromkeys(options, "s" * 20),
                hook_options=options,
                hook_mapping=mappings[0] if mappings else GENERIC_MAPPING,
            )
            assert sorted(enabled(settings)) == sorted(options), page.name
            found += 1
    assert found >= 7
