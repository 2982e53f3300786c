"""``python -m csat``: the same as the ``csat`` command."""

from __future__ import annotations

from .cli.main import main

main()
