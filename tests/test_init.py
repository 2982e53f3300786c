"""The top-level package: every public name resolves; importing stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import csat


def test_every_public_name_resolves() -> None:
    for name in csat.__all__:
        assert getattr(csat, name) is not None, name
    assert set(csat.__all__) <= set(dir(csat))


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        csat.nope  # noqa: B018


def test_import_loads_neither_matplotlib_nor_the_orm() -> None:
    heavy = "('matplotlib', 'sqlalchemy.orm')"
    code = f"import csat, sys; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
