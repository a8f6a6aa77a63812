"""A description of the machine the figures were measured on."""

import os
import platform
import sqlite3
import sys
from pathlib import Path

import django


def _cpu() -> str:
    try:
        for riga in Path("/proc/cpuinfo").read_text().splitlines():
            if riga.lower().startswith("model name"):
                return riga.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "sconosciuta"


def _ram_gb() -> float | None:
    try:
        for riga in Path("/proc/meminfo").read_text().splitlines():
            if riga.startswith("MemTotal:"):
                return int(riga.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def descrizione() -> dict[str, str]:
    ram = _ram_gb()
    return {
        "sistema": platform.platform(),
        "cpu": _cpu(),
        "core": str(os.cpu_count() or "?"),
        "ram": f"{ram:.1f} GB".replace(".", ",") if ram else "sconosciuta",
        "python": platform.python_version() + f" ({sys.implementation.name})",
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        # Other work on the machine while measuring shifts every figure.
        "carico": " ".join(f"{x:.2f}".replace(".", ",") for x in os.getloadavg()),
    }
