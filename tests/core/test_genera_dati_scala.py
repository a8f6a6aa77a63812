"""genera_dati_scala: a scale dataset written with bulk inserts that still
respects every rule the services enforce.

The data is built at a small factor (0,02: 200 prestazioni, 100 sessions,
1.000 presenze) and then checked through the same code that refuses bad
input: the budget selectors, the services' own checks on a sample of rows,
and the models' full_clean.
"""

from collections import Counter
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from accordo.models import Accordo, Ente, TipoEnte
from bench.scala import PREFISSO, dimensioni, periodo_accordi
from budget import rules
from budget import services as servizi_budget
from budget.models import Prestazione, TipoPrestazione, Tranche
from budget.selectors import stati_budget
from laboratori import services as servizi_laboratori
from laboratori.models import Laboratorio, Partecipante, Presenza, Sessione
from rendicontazione.models import Rendiconto

pytestmark = pytest.mark.django_db

FATTORE = 0.02


def genera(**opzioni) -> str:
    uscita = StringIO()
    call_command("genera_dati_scala", stdout=uscita, **opzioni)
    return uscita.getvalue()


@pytest.fixture
def dati(db):
    genera(fattore=FATTORE)
    return dimensioni(FATTORE)


def test_the_counts_follow_the_factor(dati):
    assert (dati.prestazioni, dati.sessioni, dati.presenze) == (200, 100, 1000)
    assert Accordo.objects.count() == dati.accordi
    assert Laboratorio.objects.count() == dati.laboratori
    assert Sessione.objects.count() == dati.sessioni
    assert Presenza.objects.count() == dati.presenze
    assert Prestazione.objects.count() == dati.prestazioni
    assert Tranche.objects.count() == 2 * dati.accordi
    assert Rendiconto.objects.count() == 2 * dati.accordi


def test_factor_one_is_the_reference_size_of_the_issue():
    d = dimensioni(1)
    assert (d.prestazioni, d.laboratori, d.sessioni, d.presenze) == (10000, 50, 5000, 50000)
    assert d.accordi == 5
    # Agreements grow with the square root of the factor, so that both their
    # number and the data inside each of them grow.
    assert dimensioni(10).accordi == 16


def test_every_tranche_and_the_design_cap_have_room_left(dati):
    for stato in stati_budget(Accordo.objects.all()):
        assert [t.disponibile >= 0 for t in stato.tranche] == [True, True]
        assert stato.progettazione.disponibile >= 0
        assert stato.progettazione.utilizzato > 0  # design work is there, under the cap


def test_fees_dates_and_suppliers_follow_the_money_rules(dati):
    voci = Prestazione.objects.select_related("tranche__accordo", "laboratorio")
    tipi = Counter()
    for voce in voci:
        tipi[voce.tipo] += 1
        accordo = voce.tranche.accordo
        assert voce.tranche.data_inizio <= voce.data <= voce.tranche.data_fine
        assert accordo.data_inizio <= voce.data <= accordo.data_fine
        if voce.tipo == TipoPrestazione.PROGETTAZIONE:
            assert voce.quota_amministrativa == rules.ZERO
        else:
            assert voce.aliquota_quota_amministrativa == accordo.aliquota_quota_amministrativa
            assert voce.quota_amministrativa == rules.quota_amministrativa(
                voce.importo, voce.aliquota_quota_amministrativa
            )
            assert voce.fornitore_id is not None
        if voce.laboratorio is not None:
            assert voce.laboratorio.accordo_id == accordo.pk
    assert tipi[TipoPrestazione.PROGETTAZIONE] >= 1
    assert len(tipi) == len(TipoPrestazione.values)


def test_the_services_find_nothing_to_refuse(dati):
    """The services' own checks, run on existing rows as if they were being
    edited: every rule (dates, fee, capacity, cap) holds."""
    # Each record saved again through its service, then rolled back: a
    # refusal would raise ValidationError.
    with transaction.atomic():
        for voce in Prestazione.objects.order_by("pk")[::10]:
            servizi_budget.prestazione_salva(prestazione=voce)
        for tranche in Tranche.objects.all():
            servizi_budget.tranche_salva(tranche=tranche)
        for accordo in Accordo.objects.all():
            servizi_budget.accordo_salva(accordo=accordo)
        transaction.set_rollback(True)
    for sessione in Sessione.objects.order_by("pk")[::10]:
        presenti = list(sessione.presenze.all())
        assert servizi_laboratori.errori_sessione(sessione, presenti) == {}, sessione


def test_sessions_lie_in_their_laboratory_period_in_the_past_without_overlaps(dati):
    oggi = timezone.localdate()
    giorni = Counter()
    for sessione in Sessione.objects.select_related("laboratorio"):
        lab = sessione.laboratorio
        assert lab.data_inizio <= sessione.data <= lab.data_fine
        assert sessione.data < oggi
        assert sessione.ora_inizio < sessione.ora_fine
        giorni[(lab.pk, sessione.data)] += 1
    # One session a day per laboratory: two sessions can never overlap.
    assert max(giorni.values()) == 1


def test_attendance_is_unique_and_only_of_enrolled_participants(dati):
    coppie = list(Presenza.objects.values_list("sessione_id", "partecipante_id"))
    assert len(coppie) == len(set(coppie))
    iscritti = set(
        Partecipante.laboratori.through.objects.values_list("laboratorio_id", "partecipante_id")
    )
    for lab_id, partecipante_id in Presenza.objects.values_list(
        "sessione__laboratorio_id", "partecipante_id"
    ):
        assert (lab_id, partecipante_id) in iscritti
    for presenza in Presenza.objects.select_related("sessione__laboratorio", "partecipante")[:50]:
        assert presenza.partecipante.accordo_id == presenza.sessione.laboratorio.accordo_id


def test_organisations_agreements_and_laboratories_pass_full_clean(dati):
    consorzio = Ente.objects.get(tipo=TipoEnte.CONSORZIO)
    for ente in Ente.objects.all():
        ente.full_clean()  # partita IVA and codice fiscale checksums included
        assert ente.nome.startswith(PREFISSO)
    assert set(
        Ente.objects.filter(tipo=TipoEnte.COOPERATIVA).values_list("consorzio", flat=True)
    ) == {consorzio.pk}
    for accordo in Accordo.objects.all():
        accordo.full_clean()
        assert accordo.titolo.startswith(PREFISSO)
    for tranche in Tranche.objects.all():
        tranche.full_clean()
    for laboratorio in Laboratorio.objects.all():
        laboratorio.full_clean()
    for partecipante in Partecipante.objects.all()[:50]:
        partecipante.full_clean(exclude=["laboratori"])


def test_agreements_lie_in_the_past(dati):
    inizio, fine = periodo_accordi(timezone.localdate())
    assert fine < timezone.localdate()
    assert (fine - inizio).days > 365
    assert periodo_accordi(date(2026, 11, 25)) == (date(2024, 9, 1), date(2025, 12, 31))


def test_each_run_adds_a_separate_set_and_the_same_seed_gives_the_same_figures(db):
    genera(fattore=0.01, seed=3)
    genera(fattore=0.01, seed=3)
    comuni = list(Ente.objects.filter(tipo=TipoEnte.COMUNE).order_by("pk"))
    assert len(comuni) == 2
    primo, secondo = (
        [
            [(t.importo, t.utilizzato) for t in s.tranche]
            for s in stati_budget(Accordo.objects.filter(ente_pubblico=comune).order_by("pk"))
        ]
        for comune in comuni
    )
    assert primo == secondo


def test_a_database_with_real_agreements_is_refused_unless_forced(accordo):
    with pytest.raises(CommandError, match="non sono dati di scala"):
        genera(fattore=0.01)
    assert Prestazione.objects.count() == 0
    genera(fattore=0.01, forza=True)
    accordo.refresh_from_db()
    assert accordo.tranche.get(etichetta="2024").importo == Decimal("13000.00")
    assert Accordo.objects.filter(titolo__startswith=PREFISSO).count() == 1


def test_a_factor_of_zero_is_refused(db):
    with pytest.raises(CommandError, match="maggiore di zero"):
        genera(fattore=0)
