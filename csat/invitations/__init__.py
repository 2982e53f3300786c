"""Invitations: one (``invite``) or many at once (``invite_many``), the rules
that decide whether each is sent, delayed or skipped, and address checks."""

from __future__ import annotations

from .invite import CHANNELS, Inviter, InviteRequest, InviteResult
from .rules import Decision, Reason, Status

__all__ = ["CHANNELS", "Decision", "InviteRequest", "InviteResult", "Inviter", "Reason", "Status"]
