"""csat's distribution name and the installed version (from the package metadata)."""

from __future__ import annotations

from importlib.metadata import version as _installed

#: The name csat is published under (``csat`` on PyPI is another project).
DISTRIBUTION = "csat-surveys"


def version() -> str:
    """The installed version of csat."""
    return _installed(DISTRIBUTION)
