"""CLI commands contributed by feature modules. Each module listed here adds entries to
``bot.cli.EXTRA_COMMANDS`` when imported (name -> (help, add_arguments, run(settings, args) -> int))."""

from __future__ import annotations

import importlib

FEATURE_MODULES: list[str] = ["bot.shell", "bot.digest_cli", "bot.export_cli", "bot.sweep"]

for _module in FEATURE_MODULES:
    importlib.import_module(_module)
