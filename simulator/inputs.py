"""The boundary every user-supplied file crosses: regular files only, a size cap, UTF-8 with a
located error, and YAML with a nesting and alias budget (no billion laughs, no RecursionError).

Errors are `InputError`: one line, `file[:line:col]: reason`, never the file's bytes. Callers that
report in their own type (a spec error, a scenario usage error) convert it with `.message` and
`.location`.
"""

from __future__ import annotations

import os
import stat
from typing import Any

import yaml

from simulator.errors import Location, OsmoTuiError

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Workflows, `localpath` files and run-store events (the 10,000-task benchmark is ~1.3 MB)."""
MAX_CONFIG_BYTES = 512 * 1024
"""Scenarios, pool configs, credential stores, key maps: hand-written files (a scenario line per
task of a 10,000-task workflow is ~300 KB); YAML reads ~1 MB/s, and no input may stall a run."""
MAX_DEPTH = 100
"""YAML nesting levels; OSMO workflows use under 15, and every later stage recurses per level."""
MAX_ALIAS_VALUES = 1_000_000
"""Values that aliases may add on top of the document as written (a billion laughs adds 10^9)."""
MAX_INT_BITS = 4096
"""Integers beyond this (1,234 digits) are no quantity, count or time anyone means."""
_PATH_SHOWN = 120

_BaseLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_BaseLoader):
    """libyaml's safe loader (speed; same marks), whose value errors are located YAML errors:
    `2020-99-99` (a timestamp) or a 5,000-digit integer raise ValueError in PyYAML."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        kind = str(node.tag).rsplit(":", 1)[-1]
        try:
            value = super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            reason = str(exc).split(";")[0]
            raise _budget(node, f"cannot read this {kind} value: {reason}") from None
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            # 0x-integers escape Python's digit limit, but every str() of them would fail later
            raise _budget(node, f"this {kind} has more than {MAX_INT_BITS} bits")
        return value


class InputError(OsmoTuiError):
    """A user file that cannot be used. `content` is True when the file was read but its text is
    wrong (exit 1, like an invalid spec); False when the file itself is unusable (usage, exit 2)."""

    def __init__(self, message: str, location: Location, *, content: bool = False) -> None:
        super().__init__(f"{location}: {message}")
        self.message = message
        self.location = location
        self.content = content
        self.exit_code = 1 if content else 2


class YamlBudgetError(yaml.MarkedYAMLError):
    """A YAML problem found after parsing (nesting, aliases) or a reader error given a mark, so
    every caller's `problem_mark` handling locates it."""


def printable(text: str) -> str:
    """`text` safe for a terminal: control characters (an ESC from a rendered template would
    drive the user's terminal) become `\\xNN`, lines stay lines."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or c in "\n\t" else f"\\x{ord(c):02x}" if ord(c) < 256 else "?"
        for c in text
    )


def shown(path: str | os.PathLike[str]) -> str:
    """A path as messages show it: control characters replaced, very long paths shortened."""
    text = "".join(c if c.isprintable() else "?" for c in os.fspath(path))
    if len(text) > _PATH_SHOWN:
        half = _PATH_SHOWN // 2
        text = f"{text[:half]}…{text[-half:]}"
    return text


def _reason(exc: OSError) -> str:
    reason = (exc.strerror or type(exc).__name__).lower()
    return "no such file" if isinstance(exc, FileNotFoundError) else reason


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")


def _size(count: int) -> str:
    return f"{count // (1024 * 1024)} MiB" if count >= 1024 * 1024 else f"{count // 1024} KiB"


def read_bytes(
    path: str | os.PathLike[str], *, what: str = "file", max_bytes: int = MAX_FILE_BYTES
) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; InputError otherwise, without blocking
    (a FIFO or device is refused before it is read)."""
    raw = os.fspath(path)
    where = Location(shown(raw))
    if not raw:
        raise InputError(f"no {what} given (the path is empty)", Location("''"))
    if "\0" in raw:
        raise InputError("the path contains a NUL character", where)
    try:
        # stat first: opening some devices has effects; O_NONBLOCK covers a swap after the stat
        if not stat.S_ISREG(os.stat(raw).st_mode):
            raise InputError(f"is {_kind(os.stat(raw).st_mode)}, not a regular file", where)
        fd = os.open(raw, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(_reason(exc), where) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"is {_kind(info.st_mode)}, not a regular file", where)
        too_big = InputError(f"is larger than {_size(max_bytes)}", where)
        if info.st_size > max_bytes:
            raise too_big
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > max_bytes:  # a file growing while read, or /proc lying about its size
                raise too_big
            chunks.append(chunk)
    except OSError as exc:
        raise InputError(_reason(exc), where) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def decode(data: bytes, name: str) -> str:
    """UTF-8 text; a located InputError (line:col of the first bad byte, never the byte)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[start : exc.start].decode("utf-8", "replace")) + 1
        where = Location(name, line, column)
        raise InputError("not UTF-8 text", where, content=True) from None


def read_text(
    path: str | os.PathLike[str], *, what: str = "file", max_bytes: int = MAX_FILE_BYTES
) -> str:
    """A regular, bounded, UTF-8 file's text (see `read_bytes` and `decode`)."""
    return decode(read_bytes(path, what=what, max_bytes=max_bytes), shown(path))


def check_output_path(path: str | os.PathLike[str]) -> str | None:
    """Why `path` cannot be written as an output file, or None: checked before a run starts so
    a bad `--junit`/`--events`/`--graph-out` never fails after the work is done."""
    raw = os.fspath(path)
    if not raw:
        return "the output path is empty"
    name = shown(raw)
    if "\0" in raw:
        return f"{name}: the path contains a NUL character"
    try:
        info: os.stat_result | None = os.stat(raw)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        return f"{name}: {_reason(exc)}"
    if info is not None:
        return _existing_output_problem(raw, name, info.st_mode)
    parent = os.path.dirname(os.path.abspath(raw))
    if not os.path.isdir(parent):
        return f"{name}: directory {shown(parent)} does not exist"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{name}: cannot create a file in {shown(parent)}: permission denied"
    try:
        limit = os.pathconf(parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        return None
    if len(os.fsencode(os.path.basename(raw))) > limit:
        return f"{name}: file name too long"
    return None


def _existing_output_problem(raw: str, name: str, mode: int) -> str | None:
    if stat.S_ISDIR(mode):
        return f"{name}: is a directory"
    if not os.access(raw, os.W_OK):
        return f"{name}: permission denied"
    if stat.S_ISFIFO(mode):  # writing to a FIFO nobody reads would block the run at its end
        try:
            os.close(os.open(raw, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            return f"{name}: is a FIFO that nobody reads"
    return None


# --- YAML ----------------------------------------------------------------------------------------


def single_node(loader: Any, text: str) -> yaml.Node | None:
    """`loader.get_single_node()` with control-character errors located and the budget checked."""
    try:
        node: yaml.Node | None = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text) from None
    if node is not None:
        check_node(node)
    return node


def load_yaml(text: str) -> Any:
    """`yaml.safe_load` within the budget; raises yaml.YAMLError (located where possible)."""
    loader = Loader(text)
    try:
        node = single_node(loader, text)
        return None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def mark_at(text: str, index: int) -> yaml.Mark:
    """A PyYAML mark (0-based line and column) for a character index of `text`."""
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return yaml.Mark("<unicode string>", index, line, column, None, 0)


def _reader_error(exc: yaml.reader.ReaderError, text: str) -> YamlBudgetError:
    # libyaml reports a byte offset into the UTF-8 text; the mark wants a character index
    index = len(text.encode("utf-8")[: exc.position].decode("utf-8", "ignore"))
    problem = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
    if isinstance(exc.character, bytes):
        problem = f"invalid byte: {exc.reason}"
    return YamlBudgetError(problem=problem, problem_mark=mark_at(text, index))


def _budget(node: yaml.Node, problem: str) -> YamlBudgetError:
    return YamlBudgetError(problem=problem, problem_mark=node.start_mark)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value)


def check_node(root: yaml.Node) -> None:
    """Refuse a composed document that nests deeper than MAX_DEPTH (also through aliases),
    whose aliases add more than MAX_ALIAS_VALUES values, or whose aliases are recursive.
    Iterative, and each node is walked once: a bomb is refused in time linear in its text."""
    if not _plain_tree(root):
        _check_aliases(root)


def _plain_tree(root: yaml.Node) -> bool:
    """Check the depth of a document without aliases (the common case, in one quick walk);
    False as soon as a node shows up twice, for `_check_aliases` to do the full work."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            return False
        seen.add(id(node))
        if isinstance(node.value, str):
            continue
        if depth > MAX_DEPTH:
            raise _budget(node, f"the document nests deeper than {MAX_DEPTH} levels")
        for item in node.value:
            if isinstance(item, tuple):
                stack.append((item[0], depth + 1))
                stack.append((item[1], depth + 1))
            else:
                stack.append((item, depth + 1))
    return True


def _check_aliases(root: yaml.Node) -> None:
    sizes: dict[int, tuple[int, int]] = {}  # node -> (values once expanded, nesting height)
    opened: set[int] = set()
    added = 0
    stack: list[tuple[yaml.Node, int, yaml.Node | None]] = [(root, 1, None)]
    while stack:
        node, depth, parent = stack.pop()
        key = id(node)
        if depth < 0:  # the closing visit, after every child
            kids = [sizes[id(kid)] for kid in _children(node)]
            height = 1 + max((k[1] for k in kids), default=0)
            if height > MAX_DEPTH:
                raise _budget(node, f"the document nests deeper than {MAX_DEPTH} levels")
            sizes[key] = (1 + sum(k[0] for k in kids), height)
            opened.discard(key)
            continue
        seen = sizes.get(key)
        if seen is not None:  # an alias of a finished node: it adds its whole expansion again
            added += seen[0]
            if added > MAX_ALIAS_VALUES:
                message = f"aliases expand to more than {MAX_ALIAS_VALUES:,} values"
                raise _budget(parent or node, message)
        elif isinstance(node.value, str):  # a scalar
            sizes[key] = _SCALAR
        elif key in opened:
            raise _budget(parent or node, "an alias refers to a value that contains it")
        elif depth > MAX_DEPTH:
            raise _budget(node, f"the document nests deeper than {MAX_DEPTH} levels")
        else:
            opened.add(key)
            stack.append((node, -1, parent))
            stack.extend((kid, depth + 1, node) for kid in reversed(_children(node)))


_SCALAR = (1, 1)


def bracket_nesting(text: str, limit: int = MAX_DEPTH) -> tuple[int, int] | None:
    """1-based (line, column) where `[`/`{` nesting first exceeds `limit` in TOML or JSON text
    (strings skipped), else None: their parsers recurse per level and die of RecursionError."""
    if text.count("[") + text.count("{") <= limit:
        return None
    depth, quote, escaped = 0, "", False
    for index, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            if depth > limit:
                mark = mark_at(text, index)
                return mark.line + 1, mark.column + 1
        elif char in "]}":
            depth -= 1
    return None
