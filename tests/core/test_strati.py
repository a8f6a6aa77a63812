"""The layers: imports point down, so no app imports one above it and none
imports another in a circle.

Bottom to top (README, "Layout"): core (users, roles, formats, storage,
clock; imports no app) < accordo < laboratori < budget (a prestazione may
charge a laboratory) < rendicontazione < cruscotto and gestione (the top
floor: dashboards, and operations that read every app) < config (settings
and URLs) < bench. The imports are read from the source with `ast`, every
`import` and `from ... import` of every module, those inside functions too;
migrations are left out (Django writes them, and they name other apps'
migrations, not their code).

A known case that another branch is fixing is listed once, in ECCEZIONI,
with the reason; a listed case that no longer happens fails too, so the
list is emptied as those branches land.
"""

import ast
from collections import defaultdict
from pathlib import Path

from django.apps import apps
from django.conf import settings

RADICE = Path(settings.BASE_DIR)

# The layer of each of our packages: an import must reach a lower number.
LIVELLI = {
    "core": 0,
    "accordo": 1,
    "laboratori": 2,
    "budget": 3,
    "rendicontazione": 4,
    "cruscotto": 5,
    "gestione": 5,
    "config": 6,
    "bench": 7,
}

# (module, package it imports): why it still does. Remove an entry when its
# branch lands; test_every_known_exception_still_happens says when.
ECCEZIONI = {
    ("core/management/commands/bench.py", "bench"): (
        "the benchmark's command moves to bench/ (benchmark branch)"
    ),
    ("core/management/commands/genera_dati_scala.py", "bench"): (
        "the scale data command moves to bench/ (benchmark branch)"
    ),
    ("core/management/commands/genera_dati_scala.py", "accordo"): (
        "the scale data command moves to bench/ (benchmark branch)"
    ),
}


def moduli(pacchetto: str) -> list[Path]:
    return sorted(
        percorso
        for percorso in (RADICE / pacchetto).rglob("*.py")
        if "migrations" not in percorso.relative_to(RADICE).parts
    )


def importati(percorso: Path) -> set[str]:
    """The top-level packages a module imports (absolute imports only: a
    relative one stays inside its own package)."""
    pacchetti = set()
    for nodo in ast.walk(ast.parse(percorso.read_text(encoding="utf-8"), str(percorso))):
        if isinstance(nodo, ast.Import):
            pacchetti.update(alias.name.split(".")[0] for alias in nodo.names)
        elif isinstance(nodo, ast.ImportFrom) and nodo.level == 0 and nodo.module:
            pacchetti.add(nodo.module.split(".")[0])
    return pacchetti


def archi() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) -> the modules that do it,
    between our packages only."""
    risultato = defaultdict(list)
    for pacchetto in LIVELLI:
        for percorso in moduli(pacchetto):
            nome = percorso.relative_to(RADICE).as_posix()
            for altro in importati(percorso) & LIVELLI.keys() - {pacchetto}:
                risultato[(pacchetto, altro)].append(nome)
    return risultato


def violazioni(condizione) -> list[str]:
    """Every import between our packages for which `condizione(da, a)` holds,
    as "module -> package", known exceptions left out."""
    return sorted(
        f"{modulo} -> {a}"
        for (da, a), elenco in archi().items()
        if condizione(da, a)
        for modulo in elenco
        if (modulo, a) not in ECCEZIONI
    )


def cicli(grafo: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one package
    (Tarjan): each is a set of packages that import each other in a circle."""
    indici, bassi, pila, in_pila, componenti = {}, {}, [], set(), []

    def visita(nodo):
        indici[nodo] = bassi[nodo] = len(indici)
        pila.append(nodo)
        in_pila.add(nodo)
        for vicino in sorted(grafo.get(nodo, ())):
            if vicino not in indici:
                visita(vicino)
                bassi[nodo] = min(bassi[nodo], bassi[vicino])
            elif vicino in in_pila:
                bassi[nodo] = min(bassi[nodo], indici[vicino])
        if bassi[nodo] == indici[nodo]:
            componente = []
            while True:
                membro = pila.pop()
                in_pila.discard(membro)
                componente.append(membro)
                if membro == nodo:
                    break
            if len(componente) > 1:
                componenti.append(sorted(componente))

    for nodo in sorted(grafo):
        if nodo not in indici:
            visita(nodo)
    return componenti


def test_every_app_of_ours_has_a_layer():
    nostre = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == RADICE.resolve()
    }
    assert nostre >= {"core", "accordo", "budget", "laboratori", "rendicontazione"}
    assert nostre <= LIVELLI.keys(), f"app senza livello: {nostre - LIVELLI.keys()}"


def test_the_import_reader_sees_imports_inside_functions(tmp_path):
    modulo = tmp_path / "prova.py"
    modulo.write_text(
        "import os.path\nfrom budget import rules\nfrom . import vicino\n\n"
        "def f():\n    from rendicontazione.models import Rendiconto\n"
    )
    assert importati(modulo) == {"os", "budget", "rendicontazione"}


def test_core_imports_no_app_above_it():
    sopra = {"accordo", "budget", "laboratori", "rendicontazione", "cruscotto", "gestione", "bench"}
    assert violazioni(lambda da, a: da == "core" and a in sopra) == []


def test_imports_point_down():
    assert violazioni(lambda da, a: LIVELLI[a] >= LIVELLI[da]) == []


def test_no_import_cycle_between_apps():
    grafo: dict[str, set[str]] = defaultdict(set)
    for (da, a), elenco in archi().items():
        if any((modulo, a) not in ECCEZIONI for modulo in elenco):
            grafo[da].add(a)
    assert cicli(grafo) == []


def test_the_cycle_finder_finds_a_circle():
    assert cicli({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cicli({"a": {"b"}, "b": set()}) == []


def test_every_known_exception_still_happens():
    """An exception whose import is gone (its branch has landed) must leave
    the list, or it would hide the next such import."""
    presenti = {(modulo, a) for (_da, a), elenco in archi().items() for modulo in elenco}
    superate = sorted(f"{modulo} -> {a}" for modulo, a in ECCEZIONI if (modulo, a) not in presenti)
    assert superate == [], f"togliere da ECCEZIONI: {superate}"
