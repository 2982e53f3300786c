"""Sphinx configuration of csat's documentation.

Build with ``make docs`` (HTML) and test the code samples with ``make docs-test``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from csat.version import version as installed_version

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))
# furo's accessible-pygments sets the root logger to INFO when it is imported, which
# would print alembic's import-time INFO lines into the build's output.
logging.getLogger("alembic").setLevel(logging.WARNING)

# -- Project ---------------------------------------------------------------------

project = "csat"
author = "the csat authors"
copyright = "the csat authors"
release = installed_version()
version = ".".join(release.split(".")[:2])

# -- General ---------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "csat_docs",  # docs/_ext/csat_docs.py: the table of CSAT_* keys, type-name aliases
]
exclude_patterns = ["_build"]
default_role = "code"
# Every cross-reference must resolve (see the intersphinx set-up below).
nitpicky = True
nitpick_ignore_regex = [
    # Libraries without an inventory here: their names stay plain text.
    (r"py:.*", r"(alembic|jinja2|matplotlib|pypdf)\..*"),
    (r"py:.*", r"PdfPages"),
    (r"py:.*", r"BaseLoader"),
    # Python 3.11's inventory has no entry for the class re.Pattern (3.12's has).
    (r"py:class", r"re\.Pattern"),
    # SQLAlchemy 2's Mapped (the inventory is of SQLAlchemy 1.4).
    (r"py:.*", r"(sqlalchemy\.orm\.base\.)?Mapped"),
]

# -- Autodoc ---------------------------------------------------------------------

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autodoc_class_signature = "mixed"
# A signature longer than this is written one parameter per line.
python_maximum_signature_line_length = 88

# -- Intersphinx: inventories from Debian's doc packages ---------------------------
# The machines reach no web site, so every inventory is a local file (installed by
# python3.11-doc, python-flask-doc and python-sqlalchemy-doc; .ci/run installs
# them). The links point at the real sites. A missing package only drops its
# mapping: the build still works, and says so in one line.

_INVENTORIES = {
    "python": (
        "https://docs.python.org/3/",
        "/usr/share/doc/python3.11/html/objects.inv",
        "python3.11-doc",
    ),
    "flask": (
        "https://flask.palletsprojects.com/en/stable/",
        "/usr/share/doc/python-flask-doc/html/objects.inv",
        "python-flask-doc",
    ),
    "sqlalchemy": (
        "https://docs.sqlalchemy.org/en/20/",
        "/usr/share/doc/python-sqlalchemy-doc/html/objects.inv",
        "python-sqlalchemy-doc",
    ),
}
intersphinx_mapping: dict[str, tuple[str, str]] = {
    name: (url, path) for name, (url, path, _) in _INVENTORIES.items() if Path(path).is_file()
}
_missing = sorted(
    package for name, (_, _, package) in _INVENTORIES.items() if name not in intersphinx_mapping
)
if _missing:
    # Without an inventory its references cannot resolve: check no reference then.
    nitpicky = False
    print(
        f"csat docs: intersphinx without {', '.join(_missing)} "
        f"(apt-get install {' '.join(_missing)}); links to it stay plain text, nitpicky off"
    )
else:
    print("csat docs: intersphinx inventories of Python, Flask and SQLAlchemy found")

# -- Doctest: every sample runs in a temporary directory on SQLite --------------------

doctest_global_setup = """
import os as _os
import shutil as _shutil
import tempfile as _tempfile

_cwd = _os.getcwd()
_tmp = _tempfile.mkdtemp(prefix="csat-docs-")
_os.chdir(_tmp)
# The samples say every setting they use: none comes from the caller's environment.
_OWN = ("CSAT_", "SOURCE_DATE_EPOCH")
_environ = {k: _os.environ.pop(k) for k in list(_os.environ) if k.startswith(_OWN)}
"""
doctest_global_cleanup = """
_os.chdir(_cwd)
_shutil.rmtree(_tmp, ignore_errors=True)
for _key in [k for k in _os.environ if k.startswith(_OWN)]:
    del _os.environ[_key]
_os.environ.update(_environ)
"""

# -- HTML ----------------------------------------------------------------------------

html_theme = "furo"
html_title = f"csat {release}"
html_static_path = ["_static"]
html_css_files = ["csat-docs.css"]
html_theme_options: dict[str, Any] = {"navigation_with_keys": True}
