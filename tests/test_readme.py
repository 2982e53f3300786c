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


def test_install_commands_name_the_distribution_csat_surveys() -> None:
    """`pip install csat` installs another project: every command names csat-surveys,
    or installs from a clone; and how to install before a release is said."""
    root = README.parent
    assert "\nname = csat-surveys\n" in (root / "setup.cfg").read_text(encoding="utf-8")
    pages = [README, *sorted((root / "docs").glob("*.rst"))]
    commands = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        commands += re.findall(r"pip install ([^`\n#]+)", text)
    assert len(commands) >= 8
    for command in commands:
        targets = [t.strip("'\"") for t in command.split() if not t.startswith("-")]
        assert targets, command
        for target in targets:
            name = re.split(r"[\[=<>]", target)[0]
            assert name in ("csat-surveys", "."), f"pip install {command}"
    readme = README.read_text(encoding="utf-8")
    assert "Until a release exists, install from a clone: `pip install -e '.[report]'`" in readme
    quickstart = (root / "docs" / "quickstart.rst").read_text(encoding="utf-8")
    assert "install from a clone" in quickstart and "pip install -e '.[report]'" in quickstart
