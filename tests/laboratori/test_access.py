"""laboratori.access: a cooperative reaches only its own laboratories,
sessions and participants; the Consorzio every laboratory of its agreements;
the Comune reads them and changes nothing.

The access helpers are what every page, form and admin starts from; here
they are checked role by role (the pages are tested in test_views.py).
"""

from datetime import date, time
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from stdnum import luhn

from accordo.models import Accordo, Ente, TipoEnte
from laboratori import services
from laboratori.access import (
    corregge_entro_termini,
    gestisce_laboratori,
    laboratori_modificabili,
    laboratori_visibili,
    laboratorio_modificabile,
    laboratorio_visibile,
    lavora_per_cooperativa,
    nei_termini,
    partecipanti_visibili,
    registra_sessioni,
    sessione_modificabile,
    sessioni_modificabili,
    sessioni_visibili,
)
from laboratori.models import Laboratorio, Partecipante, Sessione, TipoLaboratorio
from tests.conftest import crea_utente

# Access helpers


def partita_iva(numero: int) -> str:
    base = f"{numero:07d}019"
    return base + luhn.calc_check_digit(base)


def nuovo_ente(nome, tipo, numero, **altro) -> Ente:
    ente = Ente(nome=nome, tipo=tipo, partita_iva=partita_iva(numero), **altro)
    ente.full_clean()
    ente.save()
    return ente


def nuovo_laboratorio(accordo, cooperativa, titolo) -> Laboratorio:
    return services.laboratorio_salva(
        laboratorio=Laboratorio(
            accordo=accordo,
            titolo=titolo,
            tipo=TipoLaboratorio.ALTRO,
            cooperativa=cooperativa,
            luogo="Cremona",
            data_inizio=accordo.data_inizio,
            data_fine=accordo.data_fine,
        )
    )


def nuovo_partecipante(lab) -> Partecipante:
    return services.partecipante_crea(
        laboratorio=lab,
        fascia_eta="14_15",
        genere="F",
        livello_scolastico="secondaria_1",
        servizio_inviante="tutela_minori",
    )


def nuova_sessione(lab, presenti) -> Sessione:
    return services.sessione_salva(
        sessione=Sessione(
            laboratorio=lab,
            data=date(2024, 10, 15),
            ora_inizio=time(15),
            ora_fine=time(17),
            numero_educatori=1,
            ore_educatori=Decimal("2"),
        ),
        presenti=presenti,
    )


@pytest.fixture
def mondo(accordo, cooperativa_a, cooperativa_b):
    """Coop A runs «Ciclofficina», coop B «Doposcuola». «solo_a» attended only
    in A; «entrambi» in both; «solo_b» only in B. A second agreement, with its
    own Comune, consortium and cooperative, has a laboratory, a session and a
    participant of its own."""
    lab_a = nuovo_laboratorio(accordo, cooperativa_a, "Ciclofficina")
    lab_b = nuovo_laboratorio(accordo, cooperativa_b, "Doposcuola")
    solo_a, entrambi = nuovo_partecipante(lab_a), nuovo_partecipante(lab_a)
    solo_b = nuovo_partecipante(lab_b)
    sessione_a = nuova_sessione(lab_a, [solo_a, entrambi])
    sessione_b = nuova_sessione(lab_b, [entrambi, solo_b])

    comune = nuovo_ente("Comune di Crema", TipoEnte.COMUNE, 2400000)
    consorzio = nuovo_ente("Consorzio Altro", TipoEnte.CONSORZIO, 2400001)
    cooperativa = nuovo_ente(
        "Cooperativa Altra", TipoEnte.COOPERATIVA, 2400002, consorzio=consorzio
    )
    altro = Accordo(
        titolo="Altro accordo",
        ente_pubblico=comune,
        ente_partner=consorzio,
        firmatario_pubblico="La dirigente",
        firmatario_partner="Il presidente",
        data_inizio=date(2024, 1, 1),
        data_fine=date(2025, 12, 31),
    )
    altro.full_clean()
    altro.save()
    lab_altro = nuovo_laboratorio(altro, cooperativa, "Laboratorio altrui")
    partecipante_altro = nuovo_partecipante(lab_altro)
    sessione_altro = nuova_sessione(lab_altro, [partecipante_altro])

    class Mondo:
        pass

    m = Mondo()
    m.__dict__.update(locals())
    m.utente_consorzio_altro = crea_utente("consorzio_altro", consorzio, staff=True)
    m.utente_comune_altro = crea_utente("comune_altro", comune, staff=True)
    m.utente_coop_altra = crea_utente("coop_altra", cooperativa)
    return m


def insieme(queryset):
    return set(queryset)


def test_cooperative_a_reaches_only_its_own_objects(mondo, utente_coop_a):
    m = mondo
    assert insieme(laboratori_visibili(utente_coop_a)) == {m.lab_a}
    assert insieme(laboratori_modificabili(utente_coop_a)) == {m.lab_a}
    assert insieme(sessioni_visibili(utente_coop_a)) == {m.sessione_a}
    assert insieme(sessioni_modificabili(utente_coop_a)) == {m.sessione_a}
    assert insieme(partecipanti_visibili(utente_coop_a)) == {m.solo_a, m.entrambi}
    assert not gestisce_laboratori(utente_coop_a)


def test_cooperative_b_can_neither_read_nor_change_cooperative_a_s_objects(mondo, utente_coop_b):
    m = mondo
    assert insieme(laboratori_visibili(utente_coop_b)) == {m.lab_b}
    assert insieme(laboratori_modificabili(utente_coop_b)) == {m.lab_b}
    assert insieme(sessioni_visibili(utente_coop_b)) == {m.sessione_b}
    assert insieme(sessioni_modificabili(utente_coop_b)) == {m.sessione_b}
    # The participant seen only in A is invisible to B; the one in both is seen.
    assert insieme(partecipanti_visibili(utente_coop_b)) == {m.entrambi, m.solo_b}
    assert not partecipanti_visibili(utente_coop_b).filter(pk=m.solo_a.pk).exists()
    assert not laboratori_visibili(utente_coop_b).filter(pk=m.lab_a.pk).exists()
    assert not sessioni_modificabili(utente_coop_b).filter(pk=m.sessione_a.pk).exists()
    # A participant in both labs is listed once (no duplicate rows from the join).
    assert partecipanti_visibili(utente_coop_b).count() == 2


def test_the_consortium_reaches_every_laboratory_of_its_agreement(mondo, utente_consorzio):
    m = mondo
    tutti_i_lab = {m.lab_a, m.lab_b}
    assert insieme(laboratori_visibili(utente_consorzio)) == tutti_i_lab
    assert insieme(laboratori_modificabili(utente_consorzio)) == tutti_i_lab
    assert insieme(sessioni_modificabili(utente_consorzio)) == {m.sessione_a, m.sessione_b}
    assert insieme(partecipanti_visibili(utente_consorzio)) == {
        m.solo_a,
        m.entrambi,
        m.solo_b,
    }
    assert gestisce_laboratori(utente_consorzio)


def test_the_comune_reads_all_the_agreement_s_laboratories_and_changes_none(mondo, utente_comune):
    m = mondo
    assert insieme(laboratori_visibili(utente_comune)) == {m.lab_a, m.lab_b}
    assert insieme(sessioni_visibili(utente_comune)) == {m.sessione_a, m.sessione_b}
    assert insieme(partecipanti_visibili(utente_comune)) == {m.solo_a, m.entrambi, m.solo_b}
    assert not laboratori_modificabili(utente_comune).exists()
    assert not sessioni_modificabili(utente_comune).exists()
    assert not gestisce_laboratori(utente_comune)


@pytest.mark.parametrize(
    "chi", ["utente_consorzio_altro", "utente_comune_altro", "utente_coop_altra"]
)
def test_users_of_another_agreement_see_nothing_of_this_one(mondo, chi):
    m = mondo
    utente = getattr(m, chi)
    assert insieme(laboratori_visibili(utente)) == {m.lab_altro}
    assert insieme(sessioni_visibili(utente)) == {m.sessione_altro}
    assert insieme(partecipanti_visibili(utente)) == {m.partecipante_altro}
    assert not laboratori_modificabili(utente).filter(accordo=m.accordo).exists()
    assert not sessioni_modificabili(utente).filter(laboratorio__accordo=m.accordo).exists()


def test_this_agreement_s_users_see_nothing_of_the_other(
    mondo, utente_coop_a, utente_consorzio, utente_comune
):
    m = mondo
    for utente in (utente_coop_a, utente_consorzio, utente_comune):
        assert m.lab_altro not in laboratori_visibili(utente)
        assert m.sessione_altro not in sessioni_visibili(utente)
        assert m.partecipante_altro not in partecipanti_visibili(utente)


def test_anonymous_sees_nothing(mondo):
    anonimo = AnonymousUser()
    assert not laboratori_visibili(anonimo).exists()
    assert not laboratori_modificabili(anonimo).exists()
    assert not sessioni_visibili(anonimo).exists()
    assert not sessioni_modificabili(anonimo).exists()
    assert not partecipanti_visibili(anonimo).exists()
    assert not gestisce_laboratori(anonimo)


def test_a_deactivated_cooperative_user_sees_nothing(mondo, utente_coop_a):
    utente_coop_a.is_active = False
    utente_coop_a.save()
    assert not laboratori_visibili(utente_coop_a).exists()
    assert not sessioni_visibili(utente_coop_a).exists()
    assert not partecipanti_visibili(utente_coop_a).exists()


def test_a_user_without_an_organisation_sees_nothing(mondo):
    nessuno = crea_utente("senza_ente", None)
    assert not laboratori_visibili(nessuno).exists()
    assert not partecipanti_visibili(nessuno).exists()
    assert not laboratori_modificabili(nessuno).exists()


def test_the_administrator_reaches_everything(mondo, superutente):
    m = mondo
    assert insieme(laboratori_visibili(superutente)) == {m.lab_a, m.lab_b, m.lab_altro}
    assert insieme(laboratori_modificabili(superutente)) == {m.lab_a, m.lab_b, m.lab_altro}


# The predicates and the lookups

UTENTI = [
    "utente_coop_a",
    "utente_coop_b",
    "utente_consorzio",
    "utente_comune",
    "superutente",
    "utente_consorzio_altro",
    "utente_comune_altro",
    "utente_coop_altra",
]


def utente_di(request, mondo, chi):
    return (
        getattr(mondo, chi) if chi.endswith(("_altro", "_altra")) else request.getfixturevalue(chi)
    )


@pytest.mark.parametrize("chi", UTENTI)
def test_registra_sessioni_answers_as_the_queryset_of_changeable_laboratories(request, mondo, chi):
    utente = utente_di(request, mondo, chi)
    for lab in (mondo.lab_a, mondo.lab_b, mondo.lab_altro):
        lab = Laboratorio.objects.select_related("accordo").get(pk=lab.pk)
        atteso = laboratori_modificabili(utente).filter(pk=lab.pk).exists()
        assert registra_sessioni(utente, lab) == atteso, (chi, lab.titolo)


def test_who_logs_sessions_for_which_laboratorio(
    mondo, utente_coop_a, utente_consorzio, utente_comune, superutente
):
    m = mondo
    assert registra_sessioni(utente_coop_a, m.lab_a)
    assert not registra_sessioni(utente_coop_a, m.lab_b)
    assert registra_sessioni(utente_consorzio, m.lab_a) and registra_sessioni(
        utente_consorzio, m.lab_b
    )
    assert not registra_sessioni(utente_consorzio, m.lab_altro)  # another consortium's
    assert not registra_sessioni(utente_comune, m.lab_a)
    assert registra_sessioni(superutente, m.lab_altro)
    assert not registra_sessioni(AnonymousUser(), m.lab_a)
    utente_coop_a.is_active = False
    assert not registra_sessioni(utente_coop_a, m.lab_a)


def test_only_cooperatives_work_for_one_cooperative_and_within_the_days(
    utente_coop_a, utente_consorzio, utente_comune, superutente
):
    assert lavora_per_cooperativa(utente_coop_a) and corregge_entro_termini(utente_coop_a)
    for utente in (utente_consorzio, utente_comune, superutente, AnonymousUser()):
        assert not lavora_per_cooperativa(utente)
        assert not corregge_entro_termini(utente)
    assert gestisce_laboratori(superutente)


def test_a_session_is_within_the_days_for_a_cooperative_only(
    mondo, utente_coop_a, utente_consorzio
):
    # The session of 15/10/2024; the agreement gives cooperatives 7 days.
    sessione = Sessione.objects.select_related("laboratorio__accordo").get(pk=mondo.sessione_a.pk)
    assert sessione.laboratorio.accordo.giorni_modifica_sessioni == 7
    assert nei_termini(utente_coop_a, sessione, date(2024, 10, 22))
    assert not nei_termini(utente_coop_a, sessione, date(2024, 10, 23))
    assert nei_termini(utente_consorzio, sessione, date(2026, 1, 1))


def test_the_lookups_answer_404_to_who_does_not_see_and_403_to_who_only_reads(
    mondo, utente_coop_a, utente_coop_b, utente_comune, utente_consorzio
):
    m = mondo
    assert laboratorio_visibile(utente_coop_a, m.lab_a.pk) == m.lab_a
    assert laboratorio_modificabile(utente_coop_a, m.lab_a.pk) == m.lab_a
    assert sessione_modificabile(utente_consorzio, m.sessione_b.pk) == m.sessione_b
    for lookup, pk in (
        (laboratorio_visibile, m.lab_a.pk),
        (laboratorio_modificabile, m.lab_a.pk),
        (sessione_modificabile, m.sessione_a.pk),
        (laboratorio_visibile, 999_999),
    ):
        with pytest.raises(Http404):
            lookup(utente_coop_b, pk)
    with pytest.raises(Http404):
        laboratorio_visibile(utente_consorzio, m.lab_altro.pk)
    assert laboratorio_visibile(utente_comune, m.lab_a.pk) == m.lab_a
    with pytest.raises(PermissionDenied):
        laboratorio_modificabile(utente_comune, m.lab_a.pk)
    with pytest.raises(PermissionDenied):
        sessione_modificabile(utente_comune, m.sessione_a.pk)
