"""OSMO's template stage: top-level sections, `--set` typing, token protection, then the
sandboxed render of `simulator.spec.sandbox` (SPEC §1.1, §3.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from simulator import inputs
from simulator.errors import UsageError
from simulator.spec.sandbox import (
    DEFAULT_LIMITS,
    Limits,
    RenderError,
    first_failing,
    sandboxed_render,
)

__all__ = ["DEFAULT_LIMITS", "Limits", "RenderError", "Sections", "render", "split_sections"]

SECTION_RE = re.compile(
    r"^([a-zA-Z][a-zA-Z0-9_-]*):(.*?)(?=^[a-zA-Z][a-zA-Z0-9_-]*:|\Z)", re.M | re.S
)
ALLOWED_SECTIONS = ("workflow", "default-values", "version")
TEMPLATE_MARKERS = ("{%", "{{", "{#", "default-values")
TOKEN_RE = re.compile(r"{{(uuid|workflow_id|output|input:[^}]+|host:[^}]+)}}")
"""OSMO's special tokens, protected from Jinja (exactly, no spaces inside the braces)."""


class SectionError(Exception):
    """OSMO's message for a bad top-level structure, with the 0-based line it is about."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Sections:
    workflow: str
    """The `workflow:` section exactly as written (the only text OSMO renders and keeps)."""
    workflow_line: int
    """0-based line of the file where the `workflow:` section starts."""
    defaults: dict[str, Any]
    """`default-values` (not templated), the Jinja context before `--set`."""
    defaults_line: int | None = None


def is_templated(text: str) -> bool:
    return any(marker in text for marker in TEMPLATE_MARKERS)


def split_sections(text: str) -> Sections:
    """Split a workflow file into its top-level sections with OSMO's errors."""
    found: dict[str, tuple[str, int]] = {}
    for match in SECTION_RE.finditer(text):
        key = match.group(1)
        line = text.count("\n", 0, match.start())
        if key not in ALLOWED_SECTIONS:
            raise SectionError(f'Unknown top-level key "{key}" found in the workflow spec.', line)
        if key in found:
            raise SectionError(f'Duplicate top-level key "{key}" found in the workflow spec.', line)
        found[key] = (match.group(0), line)
    if "workflow" not in found:
        raise SectionError("Workflow spec not found.", None)
    defaults: dict[str, Any] = {}
    defaults_line = None
    if "default-values" in found:
        section, defaults_line = found["default-values"]
        try:
            document = inputs.load_yaml(section)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = defaults_line + mark.line if mark is not None else defaults_line
            message = "Workflow spec is not properly formatted: " + " ".join(str(exc).split())
            raise SectionError(message, line) from None
        # `default-values:#x` is one string, not a mapping: say so rather than crash
        loaded = document.get("default-values") if isinstance(document, dict) else document
        if loaded is not None and not isinstance(loaded, dict):
            raise SectionError(
                "default-values must be a mapping of variable names to values.", defaults_line
            )
        defaults = dict(loaded or {})
    workflow, workflow_line = found["workflow"]
    return Sections(workflow, workflow_line, defaults, defaults_line)


def typed_value(text: str) -> int | float | str:
    """`--set` typing: int, then float, then the text itself (`007` → 7, `1.10` → 1.1)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def variables(
    defaults: dict[str, Any], set_values: Iterable[str] = (), set_strings: Iterable[str] = ()
) -> dict[str, Any]:
    """The Jinja context: defaults, then `--set` (typed, in order), then `--set-string` (text)."""
    data = dict(defaults)
    for item in set_values:
        if "=" not in item:
            raise UsageError(f"Data {item} is incorrectly formatted")
        key, value = item.split("=", 1)
        data[key] = typed_value(value)
    for item in set_strings:
        if "=" not in item:
            raise UsageError(f"Data {item} is incorrectly formatted")
        key, value = item.split("=", 1)
        data[key] = value
    return data


def protect_tokens(text: str, data: dict[str, Any]) -> str:
    """Replace OSMO tokens by md5-named Jinja variables that render back to the token."""
    import hashlib  # only templated files need it (start-up time)

    def hashed(match: re.Match[str]) -> str:
        inner = match.group(1)
        name = "hash" + str(int(hashlib.md5(inner.strip().encode()).hexdigest(), 16))
        data[name] = "{{" + inner + "}}"
        return "{{" + name + "}}"

    return TOKEN_RE.sub(hashed, text)


def render(text: str, data: dict[str, Any], limits: Limits = DEFAULT_LIMITS) -> str:
    """Protect tokens, then render `text` in the sandbox; raises RenderError."""
    if not any(marker in TOKEN_RE.sub("", text) for marker in ("{{", "{%", "{#")):
        # Only OSMO tokens: Jinja would give the text back unchanged (minus one trailing newline),
        # so skip it; this keeps large token-only specs well inside the render limits.
        return text[:-1] if text.endswith("\n") else text
    data = dict(data)
    text = protect_tokens(text, data)
    return sandboxed_render(text, data, limits)


def first_failing_text(
    texts: list[str], data: dict[str, Any], limits: Limits = DEFAULT_LIMITS
) -> int | None:
    """Index of the first of `texts` that `render` would refuse, all tried in one sandbox."""
    protected = []
    for text in texts:
        values = dict(data)
        protected.append((protect_tokens(text, values), values))
    # the tokens' md5-named variables differ per text; one context holds them all
    merged = {k: v for _, values in protected for k, v in values.items()}
    return first_failing([text for text, _ in protected], merged, limits)
