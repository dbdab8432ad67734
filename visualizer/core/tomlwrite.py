"""A small TOML writer for the files the product writes itself (a saved lesson's
``lesson.toml`` and ``topology.toml``).  Pure.

The standard library reads TOML (``tomllib``) but writes none, and the files we write
hold only strings, whole numbers, booleans, lists and tables, so a few lines do it
rather than a new dependency.  Every string is a basic string escaped as TOML 1.0
wants; ``dumps`` reads its own output back with ``tomllib`` and fails loudly if the
data does not round-trip.
"""
from __future__ import annotations

import json
import re
import tomllib

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def key(k: str) -> str:
    return k if _BARE.fullmatch(k) else string(k)


def string(s: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, and DEL must be escaped too."""
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def value(v) -> str:
    """One value, on one line (an inline table must be: TOML 1.0)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items()) + " }" \
            if v else "{}"
    raise TypeError(f"no TOML for {type(v).__name__}")


def _is_tables(v) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def dumps(data: dict, long_lists: tuple[str, ...] = ("actions", "traffic")) -> str:
    """``data`` as TOML: scalars and inline values first, then each list of tables as
    ``[[name]]`` sections (one level deep: a section's own lists of tables, named in
    ``long_lists``, are written as arrays of inline tables, one per line)."""
    lines = [f"{key(k)} = {value(v)}" for k, v in data.items() if not _is_tables(v)]
    for name, tables in ((k, v) for k, v in data.items() if _is_tables(v)):
        for table in tables:
            lines += ["", f"[[{key(name)}]]"]
            for k, v in table.items():
                if _is_tables(v) and k in long_lists:
                    lines += [f"{key(k)} = ["] + [f"  {value(x)}," for x in v] + ["]"]
                else:
                    lines.append(f"{key(k)} = {value(v)}")
    text = "\n".join(lines) + "\n"
    if tomllib.loads(text) != _plain(data):
        raise ValueError("the TOML written does not read back as the data")
    return text


def _plain(v):
    """``v`` as tomllib reads it back (tuples as lists)."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v
