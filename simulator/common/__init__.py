"""Leaf modules shared by spec, pool and backends: value formats, YAML positions, diagnostics."""
