"""``[tool.bibsync.check]``: what ``bibsync check`` reads, validated.

    [tool.bibsync.check]
    sources = ["paper/**/*.tex", "notes/*.qmd"]   # globs, relative to the config's folder
    bib = ["refs.bib", "extra.bib"]              # default: the export's 'bib'
    csl = ["refs.json"]                          # default: the export's 'csl'
    strict = false                               # warnings fail the check too
    warn-unused = true                           # warn about entries no source cites
    crossref-prefixes = ["algo"]                 # more Quarto cross-reference types (@algo-...)
    cite-commands = ["mycite"]                   # your own macros taking [pre][post]{keys}
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from bibsync.config import Config, ConfigError, command_table

_KEYS = {"sources", "bib", "csl", "strict", "warn-unused", "crossref-prefixes", "cite-commands"}


class CheckSettings(NamedTuple):
    sources: tuple[str, ...] = ()  # glob patterns, relative to ``root``
    bib: tuple[Path, ...] = ()
    csl: tuple[Path, ...] = ()
    strict: bool = False
    warn_unused: bool = True
    crossref_prefixes: tuple[str, ...] = ()
    cite_commands: tuple[str, ...] = ()


def check_settings(config: Config) -> CheckSettings:
    """The check's settings, defaults filled in from the export's; :class:`ConfigError` if malformed."""
    table, where = command_table(config, "check", _KEYS)

    def strings(name: str, *, single_ok: bool = False) -> tuple[str, ...] | None:
        value = table.get(name)
        if value is None:
            return None
        if single_ok and isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"{where}: '{name}' must be a list of strings")
        return tuple(value)

    def flag(name: str, default: bool) -> bool:
        value = table.get(name, default)
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: '{name}' must be true or false")
        return value

    bib = strings("bib", single_ok=True)
    csl = strings("csl", single_ok=True)
    prefixes = strings("crossref-prefixes") or ()
    commands = strings("cite-commands") or ()
    for prefix in prefixes:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", prefix):
            raise ConfigError(f"{where}: crossref prefix {prefix!r} must be letters and digits (like 'fig')")
    for command in commands:
        if not re.fullmatch(r"[A-Za-z]+", command.removeprefix("\\")):
            raise ConfigError(f"{where}: cite command {command!r} must be a LaTeX command name (like 'mycite')")
    return CheckSettings(
        sources=strings("sources") or (),
        bib=tuple(config.resolve(b) for b in bib) if bib is not None else _default(config.bib),
        csl=tuple(config.resolve(c) for c in csl) if csl is not None else _default(config.csl),
        strict=flag("strict", False),
        warn_unused=flag("warn-unused", True),
        crossref_prefixes=prefixes,
        cite_commands=tuple(c.removeprefix("\\") for c in commands),
    )


def _default(path: Path | None) -> tuple[Path, ...]:
    return (path,) if path is not None else ()
