"""Stock survey definitions (TOML), shipped inside the wheel as ``csat.surveys``.

Read them with :func:`csat.survey.stock_survey`; the format is described in
:mod:`csat.survey.files`.
"""
