"""Shared setup of the browser tests: the Debian Chromium, its flags, where
screenshots go, and the two viewports. The `browser` fixture is in
tests/conftest.py."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and quiet on a machine whose only network is the package
# registries (no background connections, no component updates).
ARGOMENTI_CHROMIUM = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFATTI = Path(__file__).resolve().parents[1] / "artifacts"
TELEFONO = {"width": 375, "height": 812}
SCRIVANIA = {"width": 1280, "height": 900}
