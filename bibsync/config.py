"""Project configuration: a ``bibsync.toml``, or the ``[tool.bibsync]`` table of ``pyproject.toml``.

The nearest such file in the current folder or above it is used. Paths in it are relative to the
folder that holds it. Command-line options override it.

    # pyproject.toml
    [tool.bibsync]
    listing = "fixtures/listing.txt"
    bib = "refs.bib"
    csl = "refs.json"
    lock = "bibsync.lock"
    key-pattern = "[auth:lower][year][veryshorttitle:lower]"
    titles = ["AlgebraNets"]          # pin a title/author split the parser got wrong

    [tool.bibsync.mappings.categories.QC]
    arxiv = "quant-ph"
    keywords = ["Quantum Physics"]

    [tool.bibsync.sync]               # read by `bibsync sync`
    [tool.bibsync.check]              # read by `bibsync check`
    [tool.bibsync.enrich]             # read by `bibsync enrich`, and by every command applying its results
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_KEY_PATTERN = "[auth:lower][year][veryshorttitle:lower]"
DEFAULT_LOCK = "bibsync.lock"
DEFAULT_ENRICH = "bibsync.enrich.json"

_TOP_LEVEL_KEYS = {
    "listing",
    "bib",
    "csl",
    "lock",
    "key-pattern",
    "ascii",
    "as-of",
    "titles",
    "mappings",
    "sync",
    "check",
    "enrich",
}


class ConfigError(ValueError):
    """The config file is malformed. The message starts with ``path:``."""


@dataclass(frozen=True)
class Config:
    """Settings shared by every command. ``sync``, ``check`` and ``enrich`` hold their raw tables, which the
    commands validate themselves."""

    root: Path  # the folder relative paths are resolved against
    source: Path | None = None  # the file the settings came from, if any
    listing: Path | None = None
    bib: Path | None = None
    csl: Path | None = None
    lock: Path | None = None
    key_pattern: str = DEFAULT_KEY_PATTERN
    ascii: bool = False
    as_of: str | None = None
    titles: tuple[str, ...] = ()
    mappings: Mapping[str, Any] = field(default_factory=dict)
    sync: Mapping[str, Any] = field(default_factory=dict)
    check: Mapping[str, Any] = field(default_factory=dict)
    enrich: Mapping[str, Any] = field(default_factory=dict)

    @property
    def lock_path(self) -> Path:
        return self.lock if self.lock is not None else self.root / DEFAULT_LOCK

    def enrich_path(self, lock: Path | None = None) -> Path:
        """Where ``bibsync enrich`` keeps its results: ``file`` in [enrich], else next to the lock file
        (``lock``, when the command line names another one)."""
        value = self.enrich.get("file")
        if isinstance(value, str) and value:
            return self.resolve(value)
        return (lock or self.lock_path).parent / DEFAULT_ENRICH

    def resolve(self, value: str | Path) -> Path:
        """A path from the config or command line, relative to the config's folder."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.root / path


def command_table(config: Config, name: str, known: Collection[str]) -> tuple[Mapping[str, Any], str]:
    """A command's table (``sync``, ``check``, ``enrich``) and how messages name it
    (``pyproject.toml: [tool.bibsync.check]``); :class:`ConfigError` for a setting it does not know."""
    table: Mapping[str, Any] = getattr(config, name)
    in_pyproject = config.source is not None and config.source.name == "pyproject.toml"
    where = f"{config.source or 'config'}: [{'tool.bibsync.' if in_pyproject else ''}{name}]"
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s): {', '.join(unknown)}")
    return table, where


def find_config(start: Path) -> Path | None:
    """The nearest bibsync.toml, or pyproject.toml with a [tool.bibsync] table, at or above ``start``."""
    for folder in (start, *start.parents):
        candidate = folder / "bibsync.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "bibsync" in _read_toml(pyproject).get("tool", {}):
            return pyproject
    return None


def load_config(path: Path | None = None, *, cwd: Path | None = None) -> Config:
    """Load ``path``, or discover the config from ``cwd``; with none, defaults rooted at ``cwd``."""
    cwd = (cwd or Path.cwd()).resolve()
    if path is None:
        path = find_config(cwd)
        if path is None:
            return Config(root=cwd)
    path = path.resolve()
    data = _read_toml(path)
    table = data.get("tool", {}).get("bibsync", {}) if path.name == "pyproject.toml" else data
    return parse_config(table, root=path.parent, source=path)


def parse_config(table: Mapping[str, Any], *, root: Path, source: Path | None = None) -> Config:
    where = str(source) if source is not None else "config"
    unknown = set(table) - _TOP_LEVEL_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s): {', '.join(sorted(unknown))}")

    def path_of(name: str) -> Path | None:
        value = table.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: '{name}' must be a path")
        path = Path(value).expanduser()
        return path if path.is_absolute() else root / path

    def table_of(name: str) -> Mapping[str, Any]:
        value = table.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: '{name}' must be a table")
        return value

    titles = table.get("titles", [])
    if not isinstance(titles, list) or not all(isinstance(t, str) and t for t in titles):
        raise ConfigError(f"{where}: 'titles' must be a list of titles")
    pattern = table.get("key-pattern", DEFAULT_KEY_PATTERN)
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError(f"{where}: 'key-pattern' must be a string")
    ascii_only = table.get("ascii", False)
    if not isinstance(ascii_only, bool):
        raise ConfigError(f"{where}: 'ascii' must be true or false")
    as_of = table.get("as-of")
    if as_of is not None and not isinstance(as_of, str):
        as_of = str(as_of)  # TOML reads an unquoted 2026-01-31 as a date
    return Config(
        root=root,
        source=source,
        listing=path_of("listing"),
        bib=path_of("bib"),
        csl=path_of("csl"),
        lock=path_of("lock"),
        key_pattern=pattern,
        ascii=ascii_only,
        as_of=as_of,
        titles=tuple(titles),
        mappings=table_of("mappings"),
        sync=table_of("sync"),
        check=table_of("check"),
        enrich=table_of("enrich"),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
