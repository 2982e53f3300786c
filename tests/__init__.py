"""csat test suite."""
