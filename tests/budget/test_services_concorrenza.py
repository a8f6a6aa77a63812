"""Two people saving at the same moment must not together break a rule.

Many writers, each in its own thread with its own database connection, are
released together by a barrier and race to overspend a cap. The services
check and write under a row lock on the agreement (SELECT ... FOR UPDATE),
so the writers are serialised and exactly as many succeed as fit.

Only meaningful on PostgreSQL: SQLite has no row locks and serialises whole
writes, so these tests are skipped there.
"""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from accordo.models import PeriodoChiuso
from budget import rules, services
from budget.models import Prestazione, TipoPrestazione
from budget.selectors import stato_budget
from budget.services import blocca

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

D = Decimal
SCRITTORI = 20


@pytest.fixture(autouse=True)
def solo_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("Serve PostgreSQL: SQLite non ha lock di riga (SELECT ... FOR UPDATE).")


def gara(lavori):
    """Run each callable in its own thread, all released at once.

    Returns one outcome per writer: None if it saved, else the
    ValidationError's messages, or the unexpected exception.
    """
    barriera = threading.Barrier(len(lavori))
    esiti: list = [None] * len(lavori)

    def scrittore(indice, lavoro):
        try:
            barriera.wait(timeout=30)
            lavoro()
        except ValidationError as exc:
            esiti[indice] = exc.messages
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            esiti[indice] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=scrittore, args=(i, lavoro)) for i, lavoro in enumerate(lavori)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "un writer è rimasto bloccato"
    return esiti


def test_concurrent_writers_cannot_overspend_a_tranche(tranche_2024, fornitore):
    valore = Decimal("2000.00")
    addebito = valore + rules.quota_amministrativa(valore, Decimal("3"))  # 2.060
    possono_entrare = int(tranche_2024.importo // addebito)  # 13.000 // 2.060 = 6
    assert possono_entrare == 6

    def lavoro(i):
        return lambda: services.prestazione_crea(
            tranche=tranche_2024,
            tipo=TipoPrestazione.SERVIZI,
            fornitore=fornitore,
            descrizione=f"Scrittore {i}",
            data=date(2024, 10, 1),
            importo=valore,
        )

    esiti = gara([lavoro(i) for i in range(SCRITTORI)])

    inattesi = [e for e in esiti if isinstance(e, Exception)]
    assert inattesi == []
    riusciti = [e for e in esiti if e is None]
    rifiutati = [e for e in esiti if e is not None]
    assert Prestazione.objects.count() == len(riusciti)
    assert len(riusciti) == possono_entrare
    for messaggi in rifiutati:
        assert any("Capienza della tranche «2024» superata" in m for m in messaggi), messaggi
    riga = stato_budget(tranche_2024.accordo).tranche[0]
    assert riga.disponibile >= 0
    assert riga.utilizzato == addebito * possono_entrare


def test_concurrent_writers_cannot_overspend_the_design_cap(tranche_2024, tranche_2025):
    valore = Decimal("1000.00")
    tranche = [tranche_2024, tranche_2025]
    giorni = [date(2024, 11, 1), date(2025, 2, 1)]

    def lavoro(i):
        # Alternate tranches: the cap is on the whole agreement, so the lock
        # must cover both tranches, not just the one being charged.
        return lambda: services.prestazione_crea(
            tranche=tranche[i % 2],
            tipo=TipoPrestazione.PROGETTAZIONE,
            descrizione=f"Progettazione {i}",
            data=giorni[i % 2],
            importo=valore,
        )

    esiti = gara([lavoro(i) for i in range(SCRITTORI)])

    inattesi = [e for e in esiti if isinstance(e, Exception)]
    assert inattesi == []
    riusciti = [e for e in esiti if e is None]
    rifiutati = [e for e in esiti if e is not None]
    assert Prestazione.objects.count() == len(riusciti)
    assert len(riusciti) == 6  # 6.000 / 1.000
    for messaggi in rifiutati:
        assert any("Tetto della quota progettazione superato" in m for m in messaggi), messaggi
    stato = stato_budget(tranche_2024.accordo)
    assert stato.progettazione.utilizzato == Decimal("6000.00")
    assert stato.progettazione.disponibile >= 0
    assert all(r.disponibile >= 0 for r in stato.tranche)


# The last euro: many writers for the room of exactly one


def _esiti(esiti, messaggio):
    inattesi = [e for e in esiti if isinstance(e, Exception)]
    assert inattesi == []
    riusciti = [e for e in esiti if e is None]
    for messaggi in (e for e in esiti if e is not None):
        assert any(messaggio in m for m in messaggi), messaggi
    return riusciti


def test_writers_racing_for_the_last_euro_of_a_tranche_leave_nothing_overspent_or_lost(
    tranche_2024, fornitore, crea_prestazione
):
    # 12.620,39 + 378,61 = 12.999,00: one euro is left, which 0,97 + 0,03 fills.
    crea_prestazione(tranche_2024, "12620.39", descrizione="Quasi tutto")
    assert stato_budget(tranche_2024.accordo).tranche[0].disponibile == D("1.00")

    def lavoro(i):
        return lambda: services.prestazione_crea(
            tranche=tranche_2024,
            tipo=TipoPrestazione.SERVIZI,
            fornitore=fornitore,
            descrizione=f"Ultimo euro {i}",
            data=date(2024, 10, 1),
            importo=D("0.97"),
        )

    esiti = gara([lavoro(i) for i in range(SCRITTORI)])
    riusciti = _esiti(esiti, "Capienza della tranche «2024» superata")
    assert len(riusciti) == 1
    # Nothing lost: what succeeded is saved, with its history; nothing else is.
    assert Prestazione.objects.filter(descrizione__startswith="Ultimo euro").count() == 1
    assert Prestazione.history.filter(descrizione__startswith="Ultimo euro").count() == 1
    riga = stato_budget(tranche_2024.accordo).tranche[0]
    assert (riga.utilizzato, riga.disponibile) == (D("13000.00"), D("0.00"))


def test_writers_racing_for_the_last_euro_of_the_design_cap_leave_nothing_overspent_or_lost(
    tranche_2024, tranche_2025, crea_prestazione
):
    crea_prestazione(tranche_2024, "3000.00", tipo="progettazione", fornitore=None)
    crea_prestazione(
        tranche_2025, "2999.00", tipo="progettazione", fornitore=None, data=date(2025, 1, 10)
    )
    tranche = [tranche_2024, tranche_2025]
    giorni = [date(2024, 11, 1), date(2025, 2, 1)]

    def lavoro(i):
        # On both tranches: only the lock on the agreement serialises them.
        return lambda: services.prestazione_crea(
            tranche=tranche[i % 2],
            tipo=TipoPrestazione.PROGETTAZIONE,
            descrizione=f"Ultimo euro {i}",
            data=giorni[i % 2],
            importo=D("1.00"),
        )

    esiti = gara([lavoro(i) for i in range(SCRITTORI)])
    riusciti = _esiti(esiti, "Tetto della quota progettazione superato")
    assert len(riusciti) == 1
    assert Prestazione.objects.filter(descrizione__startswith="Ultimo euro").count() == 1
    stato = stato_budget(tranche_2024.accordo)
    assert (stato.progettazione.utilizzato, stato.progettazione.disponibile) == (
        D("6000.00"),
        D("0.00"),
    )


# A writer waiting for the lock
#
# Whatever changes while a writer waits for the agreement's lock must be
# seen when it gets it: here another transaction holds the lock, the writer
# is started and seen waiting for it (pg_stat_activity), then the change is
# committed.


def mentre_attende(accordo_id: int, modifica, scrivi) -> dict:
    """Run `scrivi` in another thread while this one holds the agreement's
    lock; once it waits for the lock, apply `modifica` and commit."""
    esito: dict = {}

    def scrittore():
        try:
            esito["salvata"] = scrivi()
        except ValidationError as exc:
            esito["rifiutata"] = exc.messages
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            esito["eccezione"] = exc
        finally:
            connection.close()

    with transaction.atomic():
        blocca(accordo_id)
        thread = threading.Thread(target=scrittore)
        thread.start()
        with connection.cursor() as cursore:
            for _volta in range(200):
                # Inside a transaction the activity view is a snapshot: renew it.
                cursore.execute("SELECT pg_stat_clear_snapshot()")
                cursore.execute(
                    "SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database() AND pid <> pg_backend_pid()"
                )
                in_attesa = [r[0] for r in cursore.fetchall()]
                if in_attesa:
                    break
                time.sleep(0.05)
        assert in_attesa and "FOR UPDATE" in in_attesa[0], in_attesa
        modifica()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert "eccezione" not in esito, esito
    return esito


def _scrivi(crea_prestazione, tranche, giorno, importo="100.00"):
    return lambda: crea_prestazione(tranche, importo, data=giorno, descrizione="In attesa del lock")


def test_a_period_closed_while_a_writer_waits_refuses_its_prestazione(
    accordo, tranche_2024, crea_prestazione
):
    def chiudi():
        PeriodoChiuso.objects.create(
            accordo=accordo, dal=date(2024, 9, 1), al=date(2024, 12, 31), motivo="Approvato"
        )

    esito = mentre_attende(
        accordo.pk, chiudi, _scrivi(crea_prestazione, tranche_2024, date(2024, 10, 1))
    )
    assert any("è chiuso" in m for m in esito["rifiutata"]), esito
    assert not Prestazione.objects.exists()


def test_a_tranche_shortened_while_a_writer_waits_refuses_a_date_now_outside(
    tranche_2024, crea_prestazione
):
    def accorcia():
        tranche_2024.data_fine = date(2024, 10, 31)
        services.tranche_salva(tranche=tranche_2024)

    esito = mentre_attende(
        tranche_2024.accordo_id,
        accorcia,
        _scrivi(crea_prestazione, tranche_2024, date(2024, 11, 15)),
    )
    assert any("fuori dal periodo della tranche «2024»" in m for m in esito["rifiutata"]), esito
    assert not Prestazione.objects.exists()


def test_a_rate_changed_while_a_writer_waits_applies_to_its_prestazione(
    accordo, tranche_2024, crea_prestazione
):
    def cambia_aliquota():
        accordo.aliquota_quota_amministrativa = Decimal("5.00")
        services.accordo_salva(accordo=accordo)

    esito = mentre_attende(
        accordo.pk, cambia_aliquota, _scrivi(crea_prestazione, tranche_2024, date(2024, 10, 1))
    )
    prestazione = Prestazione.objects.get(pk=esito["salvata"].pk)
    assert prestazione.aliquota_quota_amministrativa == Decimal("5.00")
    assert prestazione.quota_amministrativa == Decimal("5.00")


def test_a_tranche_filled_while_a_writer_waits_refuses_what_no_longer_fits(
    tranche_2024, crea_prestazione
):
    def riempi():
        crea_prestazione(
            tranche_2024, "12000.00", data=date(2024, 10, 1), descrizione="Arrivata prima"
        )

    esito = mentre_attende(
        tranche_2024.accordo_id,
        riempi,
        _scrivi(crea_prestazione, tranche_2024, date(2024, 10, 2), "1000"),
    )
    assert any("Capienza della tranche «2024» superata" in m for m in esito["rifiutata"]), esito
    assert Prestazione.objects.get().descrizione == "Arrivata prima"
