"""The money rules as enforced by budget.services on the real database.

Each refusal is a ValidationError with an Italian message, and leaves the
database as it was (rows and history rows counted before and after).
"""

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accordo.models import Accordo
from budget import services
from budget.models import Prestazione, TipoPrestazione, Tranche
from budget.selectors import stato_budget

D = Decimal
GIORNO_2024 = date(2024, 10, 15)
GIORNO_2025 = date(2025, 3, 10)


def conteggi() -> tuple[int, int]:
    return Prestazione.objects.count(), Prestazione.history.count()


@pytest.fixture
def rifiutata():
    """Assert a write is refused and saves nothing; return the errors."""

    class Rifiuto:
        def __call__(self, funzione, **kwargs):
            prima = conteggi()
            with pytest.raises(ValidationError) as exc:
                funzione(**kwargs)
            assert conteggi() == prima
            return exc.value.message_dict

    return Rifiuto()


def tutti(errori: dict) -> str:
    return " ".join(m for messaggi in errori.values() for m in messaggi)


# Tranche capacity


def test_2024_tranche_accepts_exactly_12621_36_with_no_design_work(tranche_2024, crea_prestazione):
    prestazione = crea_prestazione(tranche_2024, "12621.36")
    assert prestazione.quota_amministrativa == D("378.64")
    riga = stato_budget(tranche_2024.accordo).tranche[0]
    assert riga.utilizzato == D("13000.00")
    assert riga.disponibile == D("0.00")


def test_over_cap_prestazione_is_refused_by_one_cent(tranche_2024, crea_prestazione, rifiutata):
    errori = rifiutata(crea_prestazione, tranche=tranche_2024, importo="12621.37")
    assert list(errori) == ["importo"]
    testo = tutti(errori)
    assert "Capienza della tranche «2024» superata" in testo
    assert "€ 13.000,01" in testo
    assert "restano disponibili € 13.000,00" in testo
    assert "Valore massimo registrabile: € 12.621,36" in testo


def test_full_tranche_refuses_one_more_cent(tranche_2024, crea_prestazione, rifiutata):
    crea_prestazione(tranche_2024, "12621.36")
    errori = rifiutata(crea_prestazione, tranche=tranche_2024, importo="0.01")
    assert "restano disponibili € 0,00" in tutti(errori)


def test_full_2024_does_not_block_2025(tranche_2024, tranche_2025, crea_prestazione):
    crea_prestazione(tranche_2024, "12621.36")
    crea_prestazione(tranche_2025, "1000.00")
    assert Prestazione.objects.count() == 2


# Design cap and design work


def test_design_cap_of_6000_is_across_both_tranches(
    tranche_2024, tranche_2025, crea_prestazione, rifiutata
):
    crea_prestazione(tranche_2024, "4000.00", tipo="progettazione", fornitore=None)
    crea_prestazione(tranche_2025, "2000.00", tipo="progettazione", fornitore=None)
    errori = rifiutata(crea_prestazione, tranche=tranche_2025, importo="0.01", tipo="progettazione")
    testo = tutti(errori)
    assert "Tetto della quota progettazione superato" in testo
    assert "già utilizzati € 6.000,00" in testo
    assert "restano € 0,00" in testo
    assert stato_budget(tranche_2024.accordo).progettazione.utilizzato == D("6000.00")


def test_design_work_charges_no_fee(tranche_2024, crea_prestazione):
    prestazione = crea_prestazione(tranche_2024, "1000.00", tipo="progettazione", fornitore=None)
    prestazione.refresh_from_db()
    assert prestazione.quota_amministrativa == D("0.00")
    assert prestazione.aliquota_quota_amministrativa == D("0.00")
    riga = stato_budget(tranche_2024.accordo).tranche[0]
    assert riga.quota_progettazione == D("1000.00")
    assert riga.quote_amministrative == D("0.00")
    assert riga.utilizzato == D("1000.00")


def test_design_work_reduces_the_room_for_prestazioni(tranche_2024, crea_prestazione, rifiutata):
    crea_prestazione(tranche_2024, "3000.00", tipo="progettazione", fornitore=None)
    # 10.000 left: 9.708,73 + 291,26 = 9.999,99; 9.708,74 + 291,26 = 10.000,00.
    errori = rifiutata(crea_prestazione, tranche=tranche_2024, importo="9708.75")
    assert "Valore massimo registrabile: € 9.708,74" in tutti(errori)
    crea_prestazione(tranche_2024, "9708.74")


# Dates


def test_date_outside_tranche_is_refused(tranche_2024, crea_prestazione, rifiutata):
    errori = rifiutata(crea_prestazione, tranche=tranche_2024, data=date(2025, 1, 1))
    assert list(errori) == ["data"]
    assert "fuori dal periodo della tranche «2024» (01/09/2024 - 31/12/2024)" in tutti(errori)


def test_date_outside_agreement_is_refused(tranche_2024, tranche_2025, crea_prestazione, rifiutata):
    prima = rifiutata(crea_prestazione, tranche=tranche_2024, data=date(2024, 8, 31))
    assert "fuori dalla durata dell'accordo (01/09/2024 - 31/12/2025)" in tutti(prima)
    dopo = rifiutata(crea_prestazione, tranche=tranche_2025, data=date(2026, 1, 1))
    assert "fuori dalla durata dell'accordo" in tutti(dopo)


@pytest.mark.parametrize("giorno", [date(2024, 9, 1), date(2024, 12, 31)])
def test_tranche_bounds_are_inclusive(tranche_2024, crea_prestazione, giorno):
    assert crea_prestazione(tranche_2024, data=giorno).pk is not None


# Supplier


def test_supplier_is_required_for_a_prestazione(tranche_2024, crea_prestazione, rifiutata):
    errori = rifiutata(crea_prestazione, tranche=tranche_2024, fornitore=None)
    assert errori["fornitore"] == ["Indicare il fornitore della prestazione."]


def test_supplier_is_optional_for_design_work(tranche_2024, crea_prestazione):
    prestazione = crea_prestazione(tranche_2024, tipo="progettazione", fornitore=None)
    assert prestazione.pk is not None
    assert prestazione.fornitore is None


# Amounts


@pytest.mark.parametrize(
    ("importo", "parola"),
    [("0", "maggiore di zero"), ("-5.00", "maggiore di zero"), ("1.005", "due decimali")],
)
def test_unusable_amount_is_refused(tranche_2024, crea_prestazione, rifiutata, importo, parola):
    errori = rifiutata(crea_prestazione, tranche=tranche_2024, importo=importo)
    assert parola in tutti(errori)


# Rate kept per prestazione (rule 5)


def test_each_prestazione_keeps_its_own_rate(tranche_2024, crea_prestazione):
    vecchia = crea_prestazione(tranche_2024, "1000.00")
    assert vecchia.aliquota_quota_amministrativa == D("3.00")
    assert vecchia.quota_amministrativa == D("30.00")

    accordo = Accordo.objects.get(pk=tranche_2024.accordo_id)
    accordo.aliquota_quota_amministrativa = D("4.00")
    services.accordo_salva(accordo=accordo)

    vecchia.refresh_from_db()
    assert vecchia.aliquota_quota_amministrativa == D("3.00")
    assert vecchia.quota_amministrativa == D("30.00")

    services.prestazione_modifica(prestazione=vecchia, importo=D("2000.00"))
    vecchia.refresh_from_db()
    assert vecchia.aliquota_quota_amministrativa == D("3.00")
    assert vecchia.quota_amministrativa == D("60.00")

    nuova = crea_prestazione(tranche_2024, "1000.00")
    nuova.refresh_from_db()
    assert nuova.aliquota_quota_amministrativa == D("4.00")
    assert nuova.quota_amministrativa == D("40.00")

    assert stato_budget(accordo).tranche[0].quote_amministrative == D("100.00")


# Editing


def test_editing_checks_against_the_balance_without_its_old_charge(
    tranche_2024, crea_prestazione, rifiutata
):
    prestazione = crea_prestazione(tranche_2024, "12000.00")  # charges 12.360, 640 left
    # 12.500 charges 12.875: fits once the old 12.360 is freed, though it is
    # far more than the 640 left.
    services.prestazione_modifica(prestazione=prestazione, importo=D("12500.00"))
    prestazione.refresh_from_db()
    assert prestazione.importo == D("12500.00")
    assert prestazione.quota_amministrativa == D("375.00")

    prestazione = Prestazione.objects.get(pk=prestazione.pk)
    errori = rifiutata(
        services.prestazione_modifica, prestazione=prestazione, importo=D("12621.37")
    )
    assert "Valore massimo registrabile: € 12.621,36" in tutti(errori)
    prestazione.refresh_from_db()
    assert prestazione.importo == D("12500.00")


def test_moving_a_prestazione_to_a_full_tranche_is_refused(
    tranche_2024, tranche_2025, crea_prestazione, rifiutata
):
    crea_prestazione(tranche_2024, "12000.00")
    prestazione = crea_prestazione(tranche_2025, "1000.00")
    errori = rifiutata(
        services.prestazione_modifica,
        prestazione=prestazione,
        tranche=tranche_2024,
        data=GIORNO_2024,
    )
    assert "«2024»" in tutti(errori)
    prestazione.refresh_from_db()
    assert prestazione.tranche_id == tranche_2025.pk


def test_delete_frees_the_charge(tranche_2024, crea_prestazione):
    prestazione = crea_prestazione(tranche_2024, "12621.36")
    services.prestazione_elimina(prestazione=prestazione)
    assert stato_budget(tranche_2024.accordo).tranche[0].disponibile == D("13000.00")
    crea_prestazione(tranche_2024, "12621.36")


# Carry-over switch


def test_carry_over_is_off_by_default(tranche_2024, tranche_2025, crea_prestazione, rifiutata):
    assert tranche_2024.accordo.riporto_residui is False
    crea_prestazione(tranche_2024, "1000.00")
    assert stato_budget(tranche_2024.accordo).tranche[1].disponibile == D("27000.00")
    # 27.000 / 1,03 -> 26.213,59 is the most 2025 takes, 2024's leftover aside.
    errori = rifiutata(crea_prestazione, tranche=tranche_2025, importo="26213.60")
    assert "Valore massimo registrabile: € 26.213,59" in tutti(errori)


def test_carry_over_lets_2025_use_what_2024_left(
    tranche_2024, tranche_2025, crea_prestazione, rifiutata
):
    crea_prestazione(tranche_2024, "1000.00")  # 1.030 used, 11.970 left
    accordo = Accordo.objects.get(pk=tranche_2024.accordo_id)
    accordo.riporto_residui = True
    services.accordo_salva(accordo=accordo)
    assert stato_budget(accordo).tranche[1].disponibile == D("38970.00")

    crea_prestazione(tranche_2025, "30000.00")  # 30.900: only fits with carry-over
    riga_2025 = stato_budget(accordo).tranche[1]
    assert riga_2025.utilizzato == D("30900.00")
    assert riga_2025.disponibile == D("8070.00")
    # Money never moves back: 2024 still holds only what it had.
    assert stato_budget(accordo).tranche[0].disponibile == D("8070.00")

    # The data now relies on the switch: turning it off is refused.
    accordo.riporto_residui = False
    with pytest.raises(ValidationError) as exc:
        services.accordo_salva(accordo=accordo)
    errori = exc.value.message_dict
    assert "riporto_residui" in errori
    assert "Capienza della tranche «2025» superata" in " ".join(errori["riporto_residui"])
    accordo.refresh_from_db()
    assert accordo.riporto_residui is True


def test_carry_over_can_be_turned_off_when_nothing_relies_on_it(tranche_2024, crea_prestazione):
    accordo = Accordo.objects.get(pk=tranche_2024.accordo_id)
    accordo.riporto_residui = True
    services.accordo_salva(accordo=accordo)
    crea_prestazione(tranche_2024, "1000.00")
    accordo.riporto_residui = False
    services.accordo_salva(accordo=accordo)
    accordo.refresh_from_db()
    assert accordo.riporto_residui is False


# Editing the agreement's figures


def test_lowering_a_tranche_below_what_is_used_is_refused(tranche_2024, crea_prestazione):
    crea_prestazione(tranche_2024, "5000.00")  # 5.150 used
    tranche = Tranche.objects.get(pk=tranche_2024.pk)
    tranche.importo = D("5149.99")
    with pytest.raises(ValidationError) as exc:
        services.tranche_salva(tranche=tranche)
    testo = tutti(exc.value.message_dict)
    assert "Capienza della tranche «2024» superata" in testo
    assert "€ 5.150,00 su € 5.149,99" in testo
    assert Tranche.objects.get(pk=tranche_2024.pk).importo == D("13000.00")

    tranche.importo = D("5150.00")
    services.tranche_salva(tranche=tranche)
    assert Tranche.objects.get(pk=tranche_2024.pk).importo == D("5150.00")


def test_lowering_the_design_cap_below_what_is_used_is_refused(tranche_2025, crea_prestazione):
    crea_prestazione(tranche_2025, "3000.00", tipo="progettazione", fornitore=None)
    accordo = Accordo.objects.get(pk=tranche_2025.accordo_id)
    accordo.tetto_progettazione = D("2999.99")
    with pytest.raises(ValidationError) as exc:
        services.accordo_salva(accordo=accordo)
    assert "tetto_progettazione" in exc.value.message_dict
    accordo.refresh_from_db()
    assert accordo.tetto_progettazione == D("6000.00")

    accordo.tetto_progettazione = D("3000.00")
    services.accordo_salva(accordo=accordo)
    accordo.refresh_from_db()
    assert accordo.tetto_progettazione == D("3000.00")


# An agreement with no VAT


def test_agreement_with_iva_0_percent_works(comune, consorzio, fornitore):
    accordo = services.accordo_salva(
        accordo=Accordo(
            titolo="Accordo di co-progettazione (art. 55 CTS), fuori campo IVA",
            ente_pubblico=comune,
            ente_partner=consorzio,
            firmatario_pubblico="Sindaco",
            firmatario_partner="Presidente",
            data_inizio=date(2026, 1, 1),
            data_fine=date(2026, 12, 31),
            aliquota_iva=D("0"),
        )
    )
    tranche = services.tranche_salva(
        tranche=Tranche(
            accordo=accordo,
            etichetta="2026",
            data_inizio=date(2026, 1, 1),
            data_fine=date(2026, 12, 31),
            importo=D("10000.00"),
        )
    )
    prestazione = services.prestazione_crea(
        tranche=tranche,
        tipo=TipoPrestazione.SERVIZI,
        fornitore=fornitore,
        descrizione="Servizio senza IVA",
        data=date(2026, 2, 1),
        importo=D("1000.00"),
    )
    assert prestazione.quota_amministrativa == D("30.00")
    accordo.refresh_from_db()
    assert accordo.aliquota_iva == D("0.00")
    stato = stato_budget(accordo)
    assert stato.aliquota_iva == D("0.00")
    assert stato.tranche[0].disponibile == D("8970.00")


# History


def test_create_and_update_leave_history_with_the_user(
    tranche_2024, crea_prestazione, utente_consorzio
):
    prestazione = crea_prestazione(tranche_2024, "100.00", utente=utente_consorzio)
    assert prestazione.creata_da == utente_consorzio
    services.prestazione_modifica(
        prestazione=prestazione, importo=D("150.00"), utente=utente_consorzio
    )
    storia = list(prestazione.history.order_by("history_date", "history_id"))
    assert [h.history_type for h in storia] == ["+", "~"]
    assert all(h.history_user == utente_consorzio for h in storia)
    assert [h.importo for h in storia] == [D("100.00"), D("150.00")]
    assert [h.quota_amministrativa for h in storia] == [D("3.00"), D("4.50")]


def test_delete_leaves_history_with_the_user(tranche_2024, crea_prestazione, utente_consorzio):
    prestazione = crea_prestazione(tranche_2024, "100.00")
    pk = prestazione.pk
    services.prestazione_elimina(prestazione=prestazione, utente=utente_consorzio)
    ultima = Prestazione.history.filter(id=pk).latest("history_date")
    assert ultima.history_type == "-"
    assert ultima.history_user == utente_consorzio


# Random sequences of writes on the real database


def fee(importo: Decimal) -> Decimal:
    """3% half up, restated here so the test does not trust budget.rules."""
    return (importo * 3 / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def atteso_valido(righe: list[tuple[int, str, Decimal]], riporto: bool) -> bool:
    """Rules 2 and 3 restated over (tranche index, kind, value) rows."""
    usato = defaultdict(Decimal)
    design = D("0")
    for tranche, tipo, importo in righe:
        if tipo == TipoPrestazione.PROGETTAZIONE:
            usato[tranche] += importo
            design += importo
        else:
            usato[tranche] += importo + fee(importo)
    if design > D("6000.00") or usato[0] > D("13000.00"):
        return False
    if riporto:
        return usato[0] + usato[1] <= D("40000.00")
    return usato[1] <= D("27000.00")


# Mostly large amounts, so that caps are hit within a few steps.
importi = st.one_of(
    st.integers(min_value=1, max_value=1_400_000).map(lambda c: D(c).scaleb(-2)),
    st.integers(min_value=200_000, max_value=1_400_000).map(lambda c: D(c).scaleb(-2)),
    st.sampled_from([D("12621.36"), D("12621.37"), D("6000.00"), D("6000.01"), D("0.01")]),
)
operazioni = st.lists(
    st.one_of(
        st.tuples(
            st.just("crea"),
            st.integers(min_value=0, max_value=1),
            st.sampled_from(TipoPrestazione.values),
            importi,
            st.integers(min_value=0),
        ),
        st.tuples(
            st.just("modifica"),
            st.integers(min_value=0, max_value=1),
            st.sampled_from(TipoPrestazione.values),
            importi,
            st.integers(min_value=0),
        ),
        st.tuples(st.just("elimina"), st.just(0), st.just(""), st.just(D(0)), st.integers(0)),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(passi=operazioni, riporto=st.booleans())
def test_random_writes_never_leave_anything_over_its_cap(
    accordo, tranche_2024, tranche_2025, fornitore, passi, riporto
):
    tranche = [tranche_2024, tranche_2025]
    giorni = [GIORNO_2024, GIORNO_2025]
    # Each example runs in a savepoint rolled back at the end, so examples
    # do not see each other's prestazioni.
    with transaction.atomic():
        accordo.riporto_residui = riporto
        services.accordo_salva(accordo=accordo)
        for azione, indice, tipo, importo, scelta in passi:
            esistenti = list(Prestazione.objects.order_by("pk"))
            prima = [(p.tranche_id, p.tipo, p.importo) for p in esistenti]
            righe = [
                (0 if p.tranche_id == tranche_2024.pk else 1, p.tipo, p.importo) for p in esistenti
            ]
            campi = {
                "tranche": tranche[indice],
                "tipo": tipo,
                "data": giorni[indice],
                "importo": importo,
            }
            if azione == "crea":
                candidata = [*righe, (indice, tipo, importo)]
                esegui = partial(
                    services.prestazione_crea,
                    fornitore=fornitore,
                    descrizione="casuale",
                    **campi,
                )
            elif azione == "modifica" and esistenti:
                posizione = scelta % len(esistenti)
                candidata = [*righe]
                candidata[posizione] = (indice, tipo, importo)
                esegui = partial(
                    services.prestazione_modifica, prestazione=esistenti[posizione], **campi
                )
            elif azione == "elimina" and esistenti:
                services.prestazione_elimina(prestazione=esistenti[scelta % len(esistenti)])
                candidata = None
            else:
                continue

            if candidata is not None:
                try:
                    esegui()
                    accettata = True
                except ValidationError:
                    accettata = False
                # Accepted exactly when an independent restatement of the
                # rules says the result fits: not too lax, not too strict.
                assert accettata == atteso_valido(candidata, riporto), (
                    azione,
                    indice,
                    tipo,
                    importo,
                )
                event(f"{azione} {'accettata' if accettata else 'rifiutata'}")
                if not accettata:
                    dopo = [
                        (p.tranche_id, p.tipo, p.importo)
                        for p in Prestazione.objects.order_by("pk")
                    ]
                    assert dopo == prima

            stato = stato_budget(accordo)
            for riga in stato.tranche:
                assert riga.disponibile >= 0, riga
            if not riporto:
                assert all(riga.utilizzato <= riga.importo for riga in stato.tranche)
            assert stato.tranche[0].utilizzato <= stato.tranche[0].importo
            assert stato.totale.utilizzato <= stato.totale.importo
            assert stato.progettazione.utilizzato <= stato.progettazione.tetto
            assert stato.progettazione.disponibile >= 0
            # The selector's sums agree with the rows.
            for riga in stato.tranche:
                proprie = Prestazione.objects.filter(tranche_id=riga.id)
                assert riga.utilizzato == sum(
                    (p.importo + p.quota_amministrativa for p in proprie), D("0")
                )
        transaction.set_rollback(True)


# One write path: lock, sums, rules once, write


def test_every_write_moves_what_its_tranches_carry(tranche_2024, tranche_2025, crea_prestazione):
    def carico(indice):
        riga = stato_budget(tranche_2024.accordo).tranche[indice]
        return (riga.valore_prestazioni, riga.quote_amministrative, riga.quota_progettazione)

    servizio = crea_prestazione(tranche_2024, "1000.00")
    crea_prestazione(tranche_2024, "500.00", tipo=TipoPrestazione.PROGETTAZIONE, fornitore=None)
    assert carico(0) == (D("1000.00"), D("30.00"), D("500.00"))

    # Moved to the other tranche with a new value: off one, onto the other.
    services.prestazione_modifica(
        prestazione=servizio, tranche=tranche_2025, data=date(2025, 3, 1), importo=D("200.00")
    )
    assert carico(0) == (D("0.00"), D("0.00"), D("500.00"))
    assert carico(1) == (D("200.00"), D("6.00"), D("0.00"))

    services.prestazione_elimina(prestazione=servizio)
    assert carico(1) == (D("0.00"), D("0.00"), D("0.00"))


def test_a_refused_save_writes_nothing_and_the_instance_can_be_corrected(
    tranche_2024, fornitore, crea_prestazione
):
    crea_prestazione(tranche_2024, "12000.00")
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
    assert prestazione.pk is None
    assert prestazione._state.adding
    assert conteggi() == (1, 1)
    prestazione.importo = D("100.00")
    services.prestazione_salva(prestazione=prestazione)
    assert conteggi() == (2, 2)


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
    assert stato_budget(accordo).tranche[0].quote_amministrative == D("5.00")


def test_a_stale_tranche_period_is_checked_as_it_is_now(tranche_2024, crea_prestazione):
    tranche = Tranche.objects.select_related("accordo").get(pk=tranche_2024.pk)
    tranche_2024.data_fine = date(2024, 10, 31)
    services.tranche_salva(tranche=tranche_2024)
    assert tranche.data_fine == date(2024, 12, 31)  # what the caller holds

    with pytest.raises(ValidationError, match="fuori dal periodo della tranche"):
        crea_prestazione(tranche, "100.00", data=date(2024, 11, 15), descrizione="A novembre")
    assert not Prestazione.objects.exists()


def _query_di_un_salvataggio(tranche, fornitore) -> list[str]:
    with CaptureQueriesContext(connection) as catturate:
        services.prestazione_crea(
            tranche=tranche,
            tipo=TipoPrestazione.SERVIZI,
            fornitore=fornitore,
            descrizione="Misurata",
            data=tranche.data_inizio,
            importo=D("5.00"),
        )
    return [
        q["sql"]
        for q in catturate.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
    ]


def test_a_save_locks_sums_checks_once_then_writes(tranche_2024, fornitore, crea_prestazione):
    """The order that makes two savers unable to break a cap together: the
    agreement's row is locked before the tranches' sums are read, the sums
    are read once (the rules run once), and the row is written after both."""
    crea_prestazione(tranche_2024, "100.00")
    sql = _query_di_un_salvataggio(tranche_2024, fornitore)
    blocco = next(i for i, q in enumerate(sql) if 'FROM "accordo_accordo"' in q)
    somme = [i for i, q in enumerate(sql) if "SUM(" in q.upper()]
    inserimento = next(
        i for i, q in enumerate(sql) if q.startswith('INSERT INTO "budget_prestazione"')
    )
    if connection.vendor == "postgresql":
        assert sql[blocco].endswith("FOR UPDATE")
    assert len(somme) == 1, sql
    assert blocco < somme[0] < inserimento


def test_a_save_runs_the_same_queries_however_many_prestazioni_exist(
    tranche_2024, fornitore, crea_prestazione
):
    crea_prestazione(tranche_2024, "1.00")
    poche = len(_query_di_un_salvataggio(tranche_2024, fornitore))
    for n in range(40):
        crea_prestazione(tranche_2024, "1.00", descrizione=f"Riempitivo {n}")
    assert len(_query_di_un_salvataggio(tranche_2024, fornitore)) == poche


def test_a_row_written_around_the_services_counts_at_once(accordo, tranche_2024):
    """Nothing to repair: a bulk insert or a hand-made fix is in the figures
    as soon as it is committed, since they are summed from the rows."""
    Prestazione.objects.create(
        tranche=tranche_2024,
        tipo=TipoPrestazione.PROGETTAZIONE,
        descrizione="Inserita a mano",
        data=tranche_2024.data_inizio,
        importo=D("250.00"),
        aliquota_quota_amministrativa=D("0"),
        quota_amministrativa=D("0"),
    )
    assert stato_budget(accordo).progettazione.utilizzato == D("250.00")
