"""The README's Python quick start runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def test_python_quick_start_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "README has no python block"
    monkeypatch.chdir(tmp_path)  # the quick start writes csat.db in the current folder
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})  # noqa: S102
    assert (tmp_path / "csat.db").exists()


def test_local_images_and_links_exist() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r'(?:src|href)="([^"#:]+)"', text)
    targets += re.findall(r"\]\(([^)#:]+)\)", text)
    assert "reports/sample/csat-sample.pdf" in targets
    assert "docs/screenshots/survey-en-375.png" in targets
    assert sum(t.startswith("reports/sample/page-") for t in targets) >= 4
    missing = [t for t in targets if not (README.parent / t).exists()]
    assert not missing


def test_the_readme_is_a_landing_page() -> None:
    """Short, with the details in the docs (docs/*.rst) it links to."""
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 150
    linked = set(re.findall(r"\]\((docs/[a-z]+\.rst)\)", text))
    assert {"docs/quickstart.rst", "docs/configuration.rst", "docs/api.rst"} <= linked
