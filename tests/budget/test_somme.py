"""The running totals on each tranche (Tranche.somma_*): what the caps are
checked against, so they must always equal the sums of the prestazioni.

The random sequences of writes in test_services.py compare them after every
step; here are the paths around them: a refused save, a stale tranche
instance, the rate or a tranche's period changed by someone else, the
commands that verify and repair, and what runs under the agreement's lock.
"""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget import services
from budget.models import Prestazione, TipoPrestazione, Tranche
from budget.selectors import somme_calcolate, somme_incoerenti, stato_budget

D = Decimal


def somme(tranche: Tranche) -> tuple[Decimal, Decimal, Decimal]:
    tranche.refresh_from_db()
    return (tranche.somma_valore, tranche.somma_quote, tranche.somma_progettazione)


def test_every_write_moves_the_totals_of_its_tranches(tranche_2024, tranche_2025, crea_prestazione):
    servizio = crea_prestazione(tranche_2024, "1000.00")
    crea_prestazione(tranche_2024, "500.00", tipo=TipoPrestazione.PROGETTAZIONE)
    assert somme(tranche_2024) == (D("1000.00"), D("30.00"), D("500.00"))
    versione = tranche_2024.versione

    # Moved to the other tranche with a new value: off one, onto the other.
    services.prestazione_update(
        prestazione=servizio, tranche=tranche_2025, data=date(2025, 3, 1), importo=D("200.00")
    )
    assert somme(tranche_2024) == (D("0.00"), D("0.00"), D("500.00"))
    assert somme(tranche_2025) == (D("200.00"), D("6.00"), D("0.00"))
    assert tranche_2024.versione == versione + 1

    services.prestazione_delete(prestazione=servizio)
    assert somme(tranche_2025) == (D("0.00"), D("0.00"), D("0.00"))
    assert somme_incoerenti() == []


def test_a_refused_save_changes_no_total_and_leaves_no_row(
    tranche_2024, fornitore, crea_prestazione
):
    crea_prestazione(tranche_2024, "12000.00")
    prima = somme(tranche_2024)
    prestazione = Prestazione(
        tranche=tranche_2024,
        tipo=TipoPrestazione.SERVIZI,
        fornitore=fornitore,
        descrizione="Oltre la capienza",
        data=tranche_2024.data_inizio,
        importo=D("1000.00"),
    )
    with pytest.raises(ValidationError, match="Capienza della tranche"):
        services.prestazione_salva(prestazione=prestazione)

    # The row was written before the lock and rolled back with the refusal:
    # the instance can be corrected and saved as new.
    assert prestazione.pk is None
    assert prestazione._state.adding
    assert Prestazione.objects.count() == 1
    assert Prestazione.history.count() == 1
    assert somme(tranche_2024) == prima
    prestazione.importo = D("100.00")
    services.prestazione_salva(prestazione=prestazione)
    assert Prestazione.objects.count() == 2
    assert somme_incoerenti() == []


def test_saving_a_tranche_read_before_other_prestazioni_keeps_their_totals(
    tranche_2024, crea_prestazione
):
    vecchia = Tranche.objects.get(pk=tranche_2024.pk)  # totals still zero
    crea_prestazione(tranche_2024, "100.00")
    vecchia.nota = "Nota aggiunta dal Comune"
    services.tranche_salva(tranche=vecchia)
    vecchia.save()  # also a plain save, from the shell or a data migration
    assert somme(tranche_2024) == (D("100.00"), D("3.00"), D("0.00"))
    assert tranche_2024.nota == "Nota aggiunta dal Comune"


def test_a_stale_agreement_rate_is_replaced_by_the_current_one(
    accordo, tranche_2024, crea_prestazione
):
    tranche = Tranche.objects.select_related("accordo").get(pk=tranche_2024.pk)
    assert tranche.accordo.aliquota_quota_amministrativa == D("3.00")
    accordo.aliquota_quota_amministrativa = D("5.00")
    services.accordo_salva(accordo=accordo)

    # The caller still holds the agreement as it was: the rate is read again
    # under the lock, so the fee follows the agreement as it is now.
    prestazione = crea_prestazione(tranche, "100.00", descrizione="Con l'aliquota nuova")
    prestazione.refresh_from_db()
    assert prestazione.aliquota_quota_amministrativa == D("5.00")
    assert prestazione.quota_amministrativa == D("5.00")
    assert somme(tranche_2024) == (D("100.00"), D("5.00"), D("0.00"))


def test_a_stale_tranche_period_is_checked_as_it_is_now(tranche_2024, crea_prestazione):
    tranche = Tranche.objects.select_related("accordo").get(pk=tranche_2024.pk)
    tranche_2024.data_fine = date(2024, 10, 31)
    services.tranche_salva(tranche=tranche_2024)
    assert tranche.data_fine == date(2024, 12, 31)  # what the caller holds

    with pytest.raises(ValidationError, match="fuori dal periodo della tranche"):
        crea_prestazione(tranche, "100.00", data=date(2024, 11, 15), descrizione="A novembre")
    assert not Prestazione.objects.exists()


def test_under_the_lock_run_only_the_read_and_the_write_of_the_totals(
    tranche_2024, fornitore, crea_prestazione
):
    """What concurrent savers wait for (README, "Benchmarks"): the lock, one
    read of the tranches and one write of the totals. The row, its history
    and every other check come before the lock."""
    crea_prestazione(tranche_2024, "100.00")
    tranche = Tranche.objects.select_related("accordo").get(pk=tranche_2024.pk)
    with CaptureQueriesContext(connection) as catturate:
        services.prestazione_create(
            tranche=tranche,
            tipo=TipoPrestazione.SERVIZI,
            fornitore=fornitore,
            descrizione="Misurata",
            data=tranche.data_inizio + timedelta(days=1),
            importo=D("50.00"),
        )
    sql = [q["sql"] for q in catturate.captured_queries]
    blocco = next(i for i, q in enumerate(sql) if "tetto_progettazione" in q)
    dopo = [q for q in sql[blocco:] if not q.startswith(("RELEASE", "SAVEPOINT"))]
    assert any(q.startswith('INSERT INTO "budget_prestazione"') for q in sql[:blocco])
    assert any(q.startswith('INSERT INTO "budget_historicalprestazione"') for q in sql[:blocco])
    if connection.vendor == "postgresql":
        # The lock and the read of the tranches in one round trip.
        assert len(dopo) == 2, dopo
        blocco_e_lettura, scrittura = dopo
        lock, lettura = blocco_e_lettura.split("; ")
        assert lock.endswith("FOR UPDATE")
    else:
        assert len(dopo) == 3, dopo
        lock, lettura, scrittura = dopo
    assert lock.startswith("SELECT aliquota_quota_amministrativa")
    assert lettura.startswith("SELECT id, etichetta") and "periodochiuso" in lettura
    assert scrittura.startswith('UPDATE "budget_tranche" SET somma_valore')


def test_stato_budget_verifies_and_repairs_the_totals(accordo, tranche_2024, crea_prestazione):
    crea_prestazione(tranche_2024, "100.00")
    uscita = StringIO()
    call_command("stato_budget", "--verifica", stdout=uscita)
    assert "Totali coerenti con le prestazioni in 2 tranche" in uscita.getvalue()

    # A row written around the services (a bulk insert, a hand-made fix).
    Prestazione.objects.create(
        tranche=tranche_2024,
        tipo=TipoPrestazione.PROGETTAZIONE,
        descrizione="Inserita a mano",
        data=tranche_2024.data_inizio,
        importo=D("250.00"),
        aliquota_quota_amministrativa=D("0"),
        quota_amministrativa=D("0"),
    )
    uscita = StringIO()
    with pytest.raises(CommandError, match="1 tranche con totali diversi"):
        call_command("stato_budget", "--verifica", stdout=uscita)
    assert "tranche «2024»: registrati € 100,00 / € 3,00 / € 0,00" in uscita.getvalue()
    assert stato_budget(accordo).progettazione.utilizzato == D("0.00")

    uscita = StringIO()
    call_command("stato_budget", "--ricalcola", stdout=uscita)
    assert "1 tranche corrette su 2" in uscita.getvalue()
    assert somme_incoerenti() == []
    assert stato_budget(accordo).progettazione.utilizzato == D("250.00")
    assert somme_calcolate(Tranche.objects.filter(pk=tranche_2024.pk)) == {
        tranche_2024.pk: (D("100.00"), D("3.00"), D("250.00"))
    }
