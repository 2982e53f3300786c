"""The ``csat`` command line (click); ``flask csat`` runs the same commands."""

from __future__ import annotations

from .main import cli, main

__all__ = ["cli", "main"]
