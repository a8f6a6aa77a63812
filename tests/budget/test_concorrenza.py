"""Two people saving at the same moment must not together break a rule.

Many writers, each in its own thread with its own database connection, are
released together by a barrier and race to overspend a cap. The services
check and write under a row lock on the agreement (SELECT ... FOR UPDATE),
so the writers are serialised and exactly as many succeed as fit.

Only meaningful on PostgreSQL: SQLite has no row locks and serialises whole
writes, so these tests are skipped there.
"""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from budget import rules, services
from budget.models import Prestazione, TipoPrestazione
from budget.selectors import stato_budget

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SCRITTORI = 12


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
        return lambda: services.prestazione_create(
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
        return lambda: services.prestazione_create(
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
