"""A fingerprint of the data, for pages that keep what they read in the cache.

`impronta(Modello, ...)` reads, in one query of a few index lookups, numbers
that change whenever the application writes any of those models:

- for a model with a history (django-simple-history), the newest history
  row's id: every save and delete through the ORM adds one, the service
  writes of the budget included;
- for a model without one, its newest id (rows added; these tables are
  append-only in the application, e.g. Transizione);
- for Tranche also the sum of the versions, which budget.services raises at
  every change of a tranche's prestazioni and totals, in the transaction of
  the change: a sum, so it does not depend on the order of commits.

The newest id does: on PostgreSQL a transaction that took a lower id may
commit after one that took a higher id, and a page read in between would be
kept under a fingerprint that does not change when the first commits. So
what is kept under a fingerprint also expires after DURATA seconds: the
longest such a rare race can show older data. What is charged to the
tranches never depends on it: their versions are exact.
"""

import functools
import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import Model

DURATA = 60  # seconds a cached read may live (see the race above)

T = TypeVar("T")


def _colonne(modello: type[Model]) -> tuple[str, ...]:
    # Looking up a model's history builds a manager class each time: the
    # SQL of each model is made once per backend.
    return _colonne_sql(modello, connection.vendor)


@functools.cache
def _colonne_sql(modello: type[Model], vendor: str) -> tuple[str, ...]:
    q = connection.ops.quote_name
    storia = getattr(modello, "history", None)
    if storia is not None:
        tabella = q(storia.model._meta.db_table)
        colonne = [f"SELECT MAX(history_id) FROM {tabella}"]  # noqa: S608 - our table names
    else:
        tabella = q(modello._meta.db_table)
        colonne = [f"SELECT MAX({q(modello._meta.pk.column)}) FROM {tabella}"]  # noqa: S608
    return tuple(colonne)


def impronta(*modelli: type[Model]) -> str:
    """The fingerprint of `modelli` (see the module's docstring)."""
    colonne = [c for modello in modelli for c in _colonne(modello)]
    with connection.cursor() as cursore:
        cursore.execute("SELECT " + ", ".join(f"({c})" for c in colonne))
        valori = cursore.fetchone()
    return ":".join("-" if v is None else str(v) for v in valori)


def memorizzato(parti: tuple, calcola: Callable[[], T]) -> T:
    """What `calcola()` returns, kept in the cache under `parti` (which must
    hold everything the result depends on: a fingerprint, the user, the
    day) for at most DURATA seconds."""
    chiave = "memorizzato:" + hashlib.sha256(repr(parti).encode()).hexdigest()
    valore = cache.get(chiave)
    if valore is None:
        valore = calcola()
        cache.set(chiave, valore, DURATA)
    return valore
