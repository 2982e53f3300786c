"""A small local Sphinx extension for csat's documentation.

- ``.. csat-config-table::`` emits the one table of every ``CSAT_*`` key, made
  at build time from :data:`csat.config.KEYS` and grouped by ``Key.part``, so
  the documentation cannot drift from the code. Each key becomes a target of
  the standard domain's ``confval`` role: ``:confval:`CSAT_SECRET_KEY```.
- ``.. csat-help:: send`` shows the ``--help`` text of a ``csat`` command as
  click prints it, made at build time from the command itself.
- References to classes by their defining module (``sqlalchemy.engine.base.Engine``,
  as evaluated type hints name them) or by a bare name (``Engine``, as type
  hints left unevaluated name them) are looked up under their documented
  public name (``sqlalchemy.engine.Engine``).
- Private base classes (``_Batch``) are left out of "Bases:".
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

#: How the table names each part of csat (csat.config.PARTS).
PART_TITLES = {
    "core": "Core: every use of csat (SurveyService, the command line, the pages)",
    "web": "Web: the Flask layer (the CSAT extension, csat serve, create_app)",
    "delivery": "Delivery: the outbox, csat send and the survey emails",
    "report": "Report: the metrics and the monthly report",
}

#: Names type hints use -> the names the documentation and the inventories have.
ALIASES = {
    # defining modules
    "sqlalchemy.engine.base.Engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.engine.base.Connection": "sqlalchemy.engine.Connection",
    "sqlalchemy.engine.url.URL": "sqlalchemy.engine.URL",
    "sqlalchemy.orm.session.Session": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.sessionmaker": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.sql.schema.MetaData": "sqlalchemy.schema.MetaData",
    "flask.app.Flask": "flask.Flask",
    # SQLAlchemy 2's top-level names (the inventory is of SQLAlchemy 1.4)
    "sqlalchemy.Engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.Connection": "sqlalchemy.engine.Connection",
    # bare names of unevaluated type hints
    "Engine": "sqlalchemy.engine.Engine",
    "Connection": "sqlalchemy.engine.Connection",
    "URL": "sqlalchemy.engine.URL",
    "Session": "sqlalchemy.orm.Session",
    "sessionmaker": "sqlalchemy.orm.sessionmaker",
    "Flask": "flask.Flask",
    "datetime": "datetime.datetime",
    "date": "datetime.date",
    "timedelta": "datetime.timedelta",
    "Path": "pathlib.Path",
    "EmailMessage": "email.message.EmailMessage",
    "Clock": "csat.clock.Clock",
}


def _default(value: Any) -> nodes.Node:
    """A key's default as the table shows it."""
    if value is None:
        return nodes.emphasis(text="not set")
    if value == ():
        return nodes.emphasis(text="none")
    return nodes.literal(text=str(value))


def _entry(*children: nodes.Node, **attributes: Any) -> nodes.entry:
    entry = nodes.entry(**attributes)
    entry += nodes.paragraph("", "", *children)
    return entry


class ConfigTable(SphinxDirective):
    """``.. csat-config-table::``: every ``CSAT_*`` key, its default and meaning, by part."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from csat.config import KEYS, PARTS

        unknown = sorted({key.part for key in KEYS} - set(PARTS))
        if unknown:
            raise self.error(f"csat.config.KEYS has parts outside PARTS: {', '.join(unknown)}")
        domain = self.env.get_domain("std")
        table = nodes.table(classes=["csat-config", "colwidths-given"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (30, 22, 48):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        row = nodes.row()
        for title in ("Key", "Default", "Meaning"):
            row += _entry(nodes.Text(title))
        head += row
        body = nodes.tbody()
        group += body
        result: list[nodes.Node] = []
        for part in PARTS:
            keys = [key for key in KEYS if key.part == part]
            if not keys:
                continue
            if part not in PART_TITLES:
                raise self.error(f"docs/_ext/csat_docs.py: PART_TITLES lacks part {part!r}")
            row = nodes.row(classes=["csat-config-part"])
            row += _entry(nodes.strong(text=PART_TITLES[part]), morecols=2)
            body += row
            for key in keys:
                node_id = nodes.make_id(f"confval-{key.name}")
                name = nodes.literal(text=key.name)
                target = nodes.target("", "", ids=[node_id])
                self.state.document.note_explicit_target(target)
                domain.note_object("confval", key.name, node_id, location=self.get_location())
                index = addnodes.index(
                    entries=[("pair", f"{key.name}; configuration key", node_id, "", None)]
                )
                meaning, messages = self.state.inline_text(key.meaning, self.lineno)
                result.extend(messages)
                row = nodes.row()
                row += _entry(index, target, name)
                row += _entry(_default(key.default))
                row += _entry(*meaning)
                body += row
        return [table, *result]


class CommandHelp(SphinxDirective):
    """``.. csat-help:: db upgrade``: the ``--help`` text of that ``csat`` command."""

    required_arguments = 0
    optional_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        import click

        from csat.cli import cli

        words = self.arguments[0].split() if self.arguments else []
        command: click.Command = cli
        # A fixed width, so the text does not depend on the terminal of the build.
        context = click.Context(
            cli, info_name="csat", terminal_width=80, max_content_width=80, **cli.context_settings
        )
        for word in words:
            if not isinstance(command, click.Group) or word not in command.commands:
                raise self.error(f"no command 'csat {' '.join(words)}'")
            command = command.commands[word]
            context = click.Context(
                command, info_name=word, parent=context, **command.context_settings
            )
        text = command.get_help(context)
        block = nodes.literal_block(text, text, language="text")
        self.set_source_info(block)
        return [block]


def _aliased_reference(
    app: Sphinx, env: BuildEnvironment, node: addnodes.pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    """Resolve a Python reference by an alias: in these pages, else in an inventory."""
    alias = ALIASES.get(node.get("reftarget", ""))
    if alias is None or node.get("refdomain") != "py":
        return None
    from sphinx.ext.intersphinx import missing_reference

    node["reftarget"] = alias
    python = env.get_domain("py")
    found = python.resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], alias, node, contnode
    )
    return found if found is not None else missing_reference(app, env, node, contnode)


def _public_bases(app: Sphinx, name: str, obj: object, options: Any, bases: list[type]) -> None:
    """Replace private base classes by their own bases in "Bases:"."""
    public: list[type] = []
    for base in bases:
        if base.__name__.startswith("_"):
            public.extend(b for b in base.__bases__ if b is not object and b not in public)
        elif base not in public:
            public.append(base)
    bases[:] = public


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives and the alias look-up."""
    app.setup_extension("sphinx.ext.intersphinx")
    app.add_directive("csat-config-table", ConfigTable)
    app.add_directive("csat-help", CommandHelp)
    app.connect("missing-reference", _aliased_reference, priority=600)
    app.connect("autodoc-process-bases", _public_bases)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
