"""The installed version, from the package metadata (``kundenfokus --version``, /healthz, /metrics)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    try:
        return version("kundenfokus")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"
