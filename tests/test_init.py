"""The top-level package: a short public API; importing it loads no web framework."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import csat


def test_every_public_name_resolves() -> None:
    for name in csat.__all__:
        assert getattr(csat, name) is not None, name
    assert 15 <= len(csat.__all__) <= 20
    assert csat.__version__ == version("csat-surveys")


def test_import_loads_neither_flask_nor_matplotlib() -> None:
    heavy = "('flask', 'flask_babel', 'flask_wtf', 'werkzeug', 'wtforms', 'matplotlib')"
    code = f"import csat, sys; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
