"""The ``bibsync`` command line: ``export``, ``enrich``, ``sync`` and ``check``.

Subcommands are imported only when they run, so ``bibsync check`` (a pre-commit hook) never pays for
the Zotero/HTTP stack. Exit statuses, the same for every subcommand:

    0  fine
    1  problems found (check findings, a sync that did not converge, an enrich that could not ask
       every service, warnings under --strict)
    2  bad usage or bad input (malformed listing, config or lock file; missing files)
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import click

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2

# name -> "module:attribute" of a click.Command
_COMMANDS = {
    "export": "bibsync.cli.export:command",
    "sync": "bibsync.cli.sync:command",
    "check": "bibsync.cli.check:command",
    "enrich": "bibsync.cli.enrich:command",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in _COMMANDS if self._available(name))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None or not self._available(cmd_name):
            return None
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    @staticmethod
    def _available(name: str) -> bool:
        return importlib.util.find_spec(_COMMANDS[name].split(":")[0]) is not None


CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=_LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="bibsync")
def cli() -> None:
    """Turn a publication listing into BibTeX and CSL-JSON with citation keys that never change,
    complete it from arXiv and Crossref, sync it into a Zotero group library, and check manuscripts'
    citations against it.

    \b
    Exit status: 0 fine; 1 problems found; 2 bad usage or bad input.
    Settings come from the nearest bibsync.toml or [tool.bibsync] in pyproject.toml.
    """


def main() -> None:
    cli(prog_name="bibsync")
