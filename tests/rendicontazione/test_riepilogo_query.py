"""The summary runs the same number of queries for 10 and for 10.000
prestazioni (issue: "Building the summary takes the same number of queries
for 10 and for 10.000 prestazioni")."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget import rules
from budget.models import Prestazione
from rendicontazione.riepilogo import riepilogo

DAL, AL = date(2024, 9, 1), date(2024, 12, 31)


def _aggiungi(tranche, fornitore, quante: int) -> None:
    # Bulk rows with the fee the rules compute: the summary only reads them.
    valore = Decimal("1.00")
    quota = rules.quota_amministrativa(valore, Decimal("3.00"))
    Prestazione.objects.bulk_create(
        Prestazione(
            tranche=tranche,
            tipo="beni_consumo",
            fornitore=fornitore,
            descrizione=f"Materiale {n}",
            data=tranche.data_inizio + timedelta(days=n % 120),
            importo=valore,
            aliquota_quota_amministrativa=Decimal("3.00"),
            quota_amministrativa=quota,
        )
        for n in range(quante)
    )


def _query(accordo) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as catturate:
        riassunto = riepilogo(accordo, DAL, AL)
    return len(catturate.captured_queries), riassunto


def test_summary_queries_do_not_grow_with_the_prestazioni(accordo, tranche_2024, fornitore):
    _aggiungi(tranche_2024, fornitore, 10)
    poche, riassunto = _query(accordo)
    assert riassunto.spesa_periodo.numero_prestazioni == 10

    _aggiungi(tranche_2024, fornitore, 9_990)
    molte, riassunto = _query(accordo)
    assert riassunto.spesa_periodo.numero_prestazioni == 10_000
    assert riassunto.spesa_periodo.totale == Decimal("10300.00")

    # Five here: with no laboratory Django skips the activity reads of an
    # empty id list; with laboratories it is nine (tests/core/test_conteggio_query.py).
    assert poche == molte == 5
