"""The boundary every user-supplied file crosses: regular files only, a size cap, UTF-8 with a
located error, and YAML with a nesting and alias budget (no billion laughs, no RecursionError);
plus the pre-run check of output paths.

Errors are `InputError`: one line, `file[:line:col]: reason`, never the file's bytes. Callers that
report in their own type (a spec error, a scenario usage error) convert it with `.message` and
`.location`. YAML errors are PyYAML's `MarkedYAMLError`s, so a caller's `problem_mark` handling
locates them.
"""

from __future__ import annotations

from simulator.inputs.documents import (
    MAX_ALIAS_VALUES,
    MAX_INT_BITS,
    Loader,
    YamlBudgetError,
    bracket_nesting,
    check_node,
    load_yaml,
    mark_at,
    single_node,
)
from simulator.inputs.files import (
    MAX_CONFIG_BYTES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    InputError,
    decode,
    printable,
    read_bytes,
    read_text,
    shown,
)
from simulator.inputs.outputs import check_output_path

__all__ = [
    "MAX_ALIAS_VALUES",
    "MAX_CONFIG_BYTES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_INT_BITS",
    "InputError",
    "Loader",
    "YamlBudgetError",
    "bracket_nesting",
    "check_node",
    "check_output_path",
    "decode",
    "load_yaml",
    "mark_at",
    "printable",
    "read_bytes",
    "read_text",
    "shown",
    "single_node",
]
