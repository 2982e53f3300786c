"""The Flask layer: the :class:`CSAT` extension, the customer's pages, the
staff console, the webhook, signals, and :func:`create_app` for csat's pages
as a service.

::

    from csat.web import CSAT
    CSAT(app)
"""

from __future__ import annotations

from .app import create_app
from .errors import HTTP_STATUS, http_status
from .extension import CSAT
from .state import CSATState, get_service, get_state

__all__ = [
    "CSAT",
    "HTTP_STATUS",
    "CSATState",
    "create_app",
    "get_service",
    "get_state",
    "http_status",
]
