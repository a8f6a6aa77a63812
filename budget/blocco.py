"""The agreement's lock, and what the budget writes read and write under it.

Every money write of an agreement (prestazioni, tranches, its money rules,
the approval that closes a period) takes the lock on the agreement's row
(SELECT ... FOR UPDATE on PostgreSQL; SQLite lets one writer at a time in
anyway), so their checks and writes are serialised per agreement.

While the lock is held every other writer of the agreement waits, so what
runs under it is kept short: a prestazione is validated and inserted before
taking it; under it run three statements, written here in plain SQL because
building ORM queries and model instances there costs more than the queries
themselves, and on PostgreSQL the first two go to the server together (see
README, "Benchmarks"):

1. the lock, which also reads the agreement's money rules;
2. the tranches with their running totals (Tranche.somma_*) and whether a
   closed period touches the days involved: a new statement, so it sees
   everything committed by whoever held the lock before;
3. the new totals of the tranche(s) whose charges changed.

Amounts are read back as Decimal on every backend (SQLite hands REAL or
INTEGER back for decimal columns, and text for dates).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from django.db import connection

from accordo.models import Accordo, PeriodoChiuso
from budget import rules
from budget.models import Tranche


@dataclass(frozen=True)
class TrancheBloccata:
    id: int
    etichetta: str
    data_inizio: date
    data_fine: date
    saldo: rules.SaldoTranche


@dataclass(frozen=True)
class AccordoBloccato:
    """An agreement as read under its lock: money rules, tranches in order."""

    id: int
    aliquota_quota_amministrativa: Decimal
    tetto_progettazione: Decimal
    riporto_residui: bool
    data_inizio: date
    data_fine: date
    tranche: tuple[TrancheBloccata, ...] = ()
    periodo_chiuso: bool = False  # a closed period touches the days asked about

    def indice(self, tranche_id: int) -> int | None:
        for i, t in enumerate(self.tranche):
            if t.id == tranche_id:
                return i
        return None

    @property
    def saldi(self) -> tuple[rules.SaldoTranche, ...]:
        return tuple(t.saldo for t in self.tranche)


def _decimale(valore) -> Decimal:
    if isinstance(valore, Decimal):
        return valore
    # SQLite: a float (or int) that stands for an amount to the cent.
    return rules.arrotonda(Decimal(str(valore)))


def _data(valore) -> date:
    return valore if isinstance(valore, date) else date.fromisoformat(str(valore))


@cache
def _sql(vendor: str) -> dict[str, str]:
    q = connection.ops.quote_name
    accordo, tranche = q(Accordo._meta.db_table), q(Tranche._meta.db_table)
    chiusi = q(PeriodoChiuso._meta.db_table)
    per_update = " FOR UPDATE" if connection.features.has_select_for_update else ""
    # Only the models' own table names are formatted in; values are parameters.
    colonne_accordo = "aliquota_quota_amministrativa, tetto_progettazione, riporto_residui, data_inizio, data_fine"
    colonne_tranche = (
        "id, etichetta, data_inizio, data_fine, importo, somma_valore, somma_quote, "
        "somma_progettazione"
    )
    chiuso = f"SELECT COUNT(*) FROM {chiusi} WHERE accordo_id = %s AND dal <= %s AND al >= %s"  # noqa: S608
    return {
        "blocco": f"SELECT {colonne_accordo} FROM {accordo} WHERE id = %s{per_update}",  # noqa: S608
        "tranche": f"SELECT {colonne_tranche}, ({chiuso}) FROM {tranche} WHERE accordo_id = %s "  # noqa: S608
        "ORDER BY data_inizio, id",
        "somme": f"UPDATE {tranche} SET somma_valore = %s, somma_quote = %s, "  # noqa: S608
        "somma_progettazione = %s, versione = versione + 1 WHERE id = %s",
    }


def blocca(accordo_id: int, giorni: Sequence[date] = ()) -> AccordoBloccato:
    """Lock the agreement's row for the rest of the transaction and read
    what its money checks need. `giorni`: the dates a write touches, checked
    against the closed periods. Must run inside a transaction."""
    sql = _sql(connection.vendor)
    dal = min(giorni) if giorni else date.max
    al = max(giorni) if giorni else date.min
    with connection.cursor() as cursore:
        if connection.vendor == "postgresql" and not connection.settings_dict.get(
            "OPTIONS", {}
        ).get("server_side_binding"):
            # Both statements in one round trip (psycopg binds client-side,
            # Django's default): the server runs the second once the first
            # has the lock.
            cursore.execute(
                f"{sql['blocco']}; {sql['tranche']}", [accordo_id, accordo_id, al, dal, accordo_id]
            )
            riga = cursore.fetchone()
            cursore.nextset()
        else:
            cursore.execute(sql["blocco"], [accordo_id])
            riga = cursore.fetchone()
            cursore.execute(sql["tranche"], [accordo_id, al, dal, accordo_id])
        righe = cursore.fetchall()
    if riga is None:
        raise Accordo.DoesNotExist(f"Accordo {accordo_id} inesistente.")
    tranche = tuple(
        TrancheBloccata(
            id=r[0],
            etichetta=r[1],
            data_inizio=_data(r[2]),
            data_fine=_data(r[3]),
            saldo=rules.SaldoTranche(
                etichetta=r[1],
                importo=_decimale(r[4]),
                valore=_decimale(r[5]),
                quote=_decimale(r[6]),
                progettazione=_decimale(r[7]),
            ),
        )
        for r in righe
    )
    return AccordoBloccato(
        id=accordo_id,
        aliquota_quota_amministrativa=_decimale(riga[0]),
        tetto_progettazione=_decimale(riga[1]),
        riporto_residui=bool(riga[2]),
        data_inizio=_data(riga[3]),
        data_fine=_data(riga[4]),
        tranche=tranche,
        periodo_chiuso=bool(righe[0][8])
        if righe
        else bool(giorni)
        and PeriodoChiuso.objects.filter(accordo_id=accordo_id, dal__lte=al, al__gte=dal).exists(),
    )


def scrivi_somme(accordo: AccordoBloccato, saldi: Sequence[rules.SaldoTranche]) -> None:
    """Write the running totals of the tranches whose balance changed (the
    caller holds the lock taken by `blocca`, whose figures `saldi` replace)."""
    sql = _sql(connection.vendor)["somme"]
    with connection.cursor() as cursore:
        for tranche, nuovo in zip(accordo.tranche, saldi, strict=True):
            if nuovo != tranche.saldo:
                cursore.execute(sql, [nuovo.valore, nuovo.quote, nuovo.progettazione, tranche.id])
