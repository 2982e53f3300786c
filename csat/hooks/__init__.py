"""The helpdesks' own webhooks, without Flask: one adapter per helpdesk.

Each adapter (:class:`~csat.hooks.base.Adapter`) checks its helpdesk's own
signature scheme and turns its body into a decision: :class:`Resolved`
(invite), :class:`Reopened` (cancel the pending invitation) or
:class:`Ignored`. The Flask layer serves them as ``POST {prefix}/hooks/<name>``
(``csat.web.hooks``); :func:`enabled` says which ones a configuration turns
on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..config import Settings
from ..errors import ConfigurationError
from .base import Adapter, Headers, HookDecision, Ignored, Reopened, Resolved
from .chatwoot import Chatwoot
from .freescout import FreeScout
from .generic import Generic
from .glpi import Glpi
from .helpscout import HelpScout
from .jira import Jira
from .redmine import Redmine
from .zammad import Zammad
from .zendesk import Zendesk

__all__ = [
    "ADAPTERS",
    "Adapter",
    "Headers",
    "Hook",
    "HookDecision",
    "Ignored",
    "Reopened",
    "Resolved",
    "enabled",
]

_ALL = (Zammad, Glpi, Zendesk, Chatwoot, HelpScout, FreeScout, Redmine, Jira, Generic)
#: Every adapter by its name, the ``<name>`` of ``/hooks/<name>``.
ADAPTERS: Mapping[str, type[Adapter]] = MappingProxyType({a.name: a for a in _ALL})


@dataclass(frozen=True)
class Hook:
    """An enabled webhook: its adapter and the secret it is signed with."""

    adapter: Adapter
    secret: bytes


def _known(name: str, key: str) -> None:
    if name not in ADAPTERS:
        raise ConfigurationError(
            key, f"no webhook for {name!r} (known: {', '.join(sorted(ADAPTERS))})"
        )


def enabled(settings: Settings) -> Mapping[str, Hook]:
    """The webhooks ``settings`` turn on (each one that has a secret), by name.

    :raises ConfigurationError: an unknown helpdesk, or an invalid option.
    """
    for name in settings.hook_options:
        _known(name, "CSAT_HOOK_OPTIONS")
    hooks: dict[str, Hook] = {}
    for name, secret in settings.hook_secrets.items():
        _known(name, "CSAT_HOOK_SECRETS")
        hooks[name] = Hook(ADAPTERS[name].from_settings(settings), secret.encode("utf-8"))
    return MappingProxyType(hooks)
