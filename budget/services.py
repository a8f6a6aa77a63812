"""Writes of the budget: every change to a prestazione, a tranche or an
agreement's money rules goes through here.

Each write checks the rules of budget.rules and saves in one transaction,
holding a lock on the agreement's row (budget.blocco), so two people saving
at the same moment cannot together break a cap: the second one waits for
the lock, then sees the first one's prestazione in its figures. What is
charged to each tranche is kept on the tranche (Tranche.somma_*) by the
prestazione writes here, so a check reads a few rows however many
prestazioni there are.
"""

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from accordo.models import Accordo
from accordo.periodi import errore_periodo_chiuso
from budget import rules
from budget.blocco import AccordoBloccato, blocca, scrivi_somme
from budget.models import Prestazione, Tranche
from budget.selectors import somme_incoerenti

Errori = dict[str, list[str]]


def _aggiungi(errori: Errori, campo: str | None, messaggio: str) -> None:
    errori[campo or "__all__"].append(messaggio)


def _errori_modello(istanza, *, exclude=None, vincoli: bool = True) -> Errori:
    """Django's field validation. `vincoli=False` skips the check constraints'
    queries where the rules already enforce them."""
    try:
        istanza.full_clean(exclude=exclude, validate_unique=False, validate_constraints=vincoli)
    except ValidationError as exc:
        return {campo: list(messaggi) for campo, messaggi in exc.message_dict.items()}
    return {}


def tranche_per_data(accordo: Accordo, giorno: date) -> Tranche | None:
    """The tranche whose period contains `giorno` (periods never overlap)."""
    return Tranche.objects.filter(
        accordo=accordo, data_inizio__lte=giorno, data_fine__gte=giorno
    ).first()


# Prestazioni
#
# A prestazione is checked in two steps. Its own fields (amount, dates,
# supplier, laboratory) are checked without the agreement's lock; a save
# then writes the row and its history, still without it, so that concurrent
# savers of the same agreement do this part side by side. Under the lock
# (budget.blocco) the caps, the dates against the tranche as it is now and
# the closed periods are checked on the running totals, which are then
# updated. A refusal there rolls the row back with the transaction.


def addebito_registrato(prestazione: Prestazione, indice: int) -> rules.Addebito:
    """What a saved prestazione charges to the tranche at `indice`."""
    return rules.Addebito(
        tranche=indice,
        valore=prestazione.importo,
        aliquota=prestazione.aliquota_quota_amministrativa,
        quota=prestazione.quota_amministrativa,
        progettazione=prestazione.progettazione,
    )


def _precedente(prestazione: Prestazione) -> Prestazione | None:
    """The saved version of an edited prestazione, its row locked so two
    edits of the same prestazione are checked one after the other."""
    if prestazione.pk is None:
        return None
    return (
        Prestazione.objects.select_for_update(of=("self",))
        .select_related("tranche")
        .get(pk=prestazione.pk)
    )


def _imposta_quota(prestazione: Prestazione, aliquota_accordo: Decimal, precedente) -> None:
    """Rule 5: a new prestazione takes the agreement's current rate, an
    edited one keeps the rate it was registered with, so a later change of
    the rate does not rewrite history; design work carries no fee."""
    aliquota = rules.aliquota_da_applicare(
        progettazione=prestazione.progettazione,
        aliquota_accordo=aliquota_accordo,
        registrata=precedente.aliquota_quota_amministrativa
        if precedente is not None and not precedente.progettazione
        else None,
    )
    prestazione.aliquota_quota_amministrativa = aliquota
    prestazione.quota_amministrativa = (
        rules.ZERO
        if prestazione.progettazione
        else rules.quota_amministrativa(Decimal(prestazione.importo), aliquota)
    )


def _errori_date(errori: Errori, giorno: date | None, tranche, accordo) -> None:
    if giorno is None:
        return
    for violazione in rules.verifica_data(
        giorno,
        tranche=tranche.etichetta,
        inizio_tranche=tranche.data_inizio,
        fine_tranche=tranche.data_fine,
        inizio_accordo=accordo.data_inizio,
        fine_accordo=accordo.data_fine,
    ):
        _aggiungi(errori, violazione.campo, violazione.messaggio)


def _errori_campi(prestazione: Prestazione, precedente: Prestazione | None) -> Errori:
    """Everything about a prestazione that does not need the lock: its
    fields, supplier and laboratory. Also sets the rate and the fee, checked
    again under the lock with the dates (the tranche's period may change)."""
    errori: Errori = defaultdict(list)
    # The tranche and agreement the caller passed, else read: what matters
    # (the rate, the dates) is read again under the lock.
    if not (
        Prestazione.tranche.is_cached(prestazione)
        and Tranche.accordo.is_cached(prestazione.tranche)
    ):
        prestazione.tranche = Tranche.objects.select_related("accordo").get(
            pk=prestazione.tranche_id
        )
    tranche = prestazione.tranche
    accordo = tranche.accordo
    if precedente is not None and precedente.tranche.accordo_id != accordo.pk:
        _aggiungi(errori, "tranche", "Una prestazione non può passare a un altro accordo.")
        return errori
    importo = prestazione.importo
    if importo is None:
        _aggiungi(errori, "importo", "Indicare il valore della prestazione.")
        return errori
    for messaggio in rules.errori_importo(Decimal(importo)):
        _aggiungi(errori, "importo", messaggio)
    if errori:
        return errori
    _imposta_quota(prestazione, accordo.aliquota_quota_amministrativa, precedente)

    # Related rows passed as instances exist (the foreign keys enforce it at
    # the insert); the check constraints (value > 0, fee >= 0) are
    # rules.errori_importo and the fee computed above.
    gia_letti = [
        campo.name
        for campo in Prestazione._meta.concrete_fields
        if campo.is_relation and campo.is_cached(prestazione)
    ]
    for campo, messaggi in _errori_modello(prestazione, exclude=gia_letti, vincoli=False).items():
        errori[campo].extend(messaggi)
    if not prestazione.progettazione and prestazione.fornitore_id is None:
        _aggiungi(errori, "fornitore", "Indicare il fornitore della prestazione.")
    if prestazione.laboratorio_id and prestazione.laboratorio.accordo_id != accordo.pk:
        _aggiungi(errori, "laboratorio", "Il laboratorio indicato appartiene a un altro accordo.")
    return errori


def _errori_sotto_blocco(
    prestazione: Prestazione | None, precedente: Prestazione | None
) -> tuple[Errori, AccordoBloccato, tuple[rules.SaldoTranche, ...]]:
    """Take the agreement's lock and check a save (`prestazione`) or a
    deletion (`prestazione` None) against the tranches as they are now.
    Returns the refusals, what was read and the balances after the write."""
    errori: Errori = defaultdict(list)
    tranche_id = (prestazione or precedente).tranche_id
    accordo_id = (prestazione or precedente).tranche.accordo_id
    giorni = [p.data for p in (prestazione, precedente) if p is not None and p.data]
    accordo = blocca(accordo_id, giorni)
    saldi = accordo.saldi
    if accordo.periodo_chiuso:
        _aggiungi(errori, None, errore_periodo_chiuso(accordo_id, *giorni))
        return errori, accordo, saldi
    if precedente is not None:
        saldi = rules.applica(
            saldi, addebito_registrato(precedente, accordo.indice(precedente.tranche_id)), -1
        )
    if prestazione is None:
        return errori, accordo, saldi

    if (
        precedente is None
        and not prestazione.progettazione
        and prestazione.aliquota_quota_amministrativa != accordo.aliquota_quota_amministrativa
    ):
        # The Comune changed the rate since the fields were checked.
        _imposta_quota(prestazione, accordo.aliquota_quota_amministrativa, None)
        if prestazione.pk is not None:
            prestazione.save(
                update_fields=["aliquota_quota_amministrativa", "quota_amministrativa"]
            )
    indice = accordo.indice(tranche_id)
    _errori_date(errori, prestazione.data, accordo.tranche[indice], accordo)
    nuovo = rules.addebito(
        tranche=indice,
        valore=Decimal(prestazione.importo),
        aliquota=prestazione.aliquota_quota_amministrativa,
        progettazione=prestazione.progettazione,
    )
    for violazione in rules.verifica_addebito(
        saldi,
        nuovo,
        tetto_progettazione=accordo.tetto_progettazione,
        riporto_residui=accordo.riporto_residui,
    ):
        _aggiungi(errori, violazione.campo, violazione.messaggio)
    return errori, accordo, rules.applica(saldi, nuovo)


def errori_prestazione(prestazione: Prestazione) -> Errori:
    """The rules a prestazione would break if saved as it is (empty if none).

    Takes the agreement's lock: call it inside the transaction that then
    saves (the admin's change form runs in one), so check and write are one.
    """
    if prestazione.tranche_id is None:
        return {"tranche": ["Indicare la tranche."]}
    precedente = _precedente(prestazione)
    errori = _errori_campi(prestazione, precedente)
    if not errori:
        errori, _accordo, _saldi = _errori_sotto_blocco(prestazione, precedente)
    return dict(errori)


def _rifiuta(errori: Errori):
    raise ValidationError(dict(errori))


@transaction.atomic
def prestazione_salva(*, prestazione: Prestazione, utente=None) -> Prestazione:
    """Create or update a prestazione, or refuse it with ValidationError
    (then nothing is saved, and a new prestazione is left without a pk)."""
    if prestazione.tranche_id is None:
        _rifiuta({"tranche": ["Indicare la tranche."]})
    precedente = _precedente(prestazione)
    errori = _errori_campi(prestazione, precedente)
    if errori:
        _rifiuta(errori)
    nuova = prestazione._state.adding
    if utente is not None:
        prestazione._history_user = utente
        if nuova:
            prestazione.creata_da = utente
    # No savepoint of its own: a refusal leaves this function's atomic block,
    # which rolls the row back (the whole transaction, or its savepoint when
    # the caller's transaction encloses it).
    try:
        prestazione.save()
        errori, accordo, saldi = _errori_sotto_blocco(prestazione, precedente)
        if errori:
            _rifiuta(errori)
        scrivi_somme(accordo, saldi)
    except BaseException:
        if nuova:
            prestazione.pk = None
            prestazione._state.adding = True
        raise
    return prestazione


def prestazione_create(
    *,
    tranche: Tranche,
    tipo: str,
    descrizione: str,
    data: date,
    importo: Decimal,
    fornitore=None,
    laboratorio=None,
    numero_documento: str = "",
    data_documento: date | None = None,
    documento=None,
    utente=None,
) -> Prestazione:
    prestazione = Prestazione(
        tranche=tranche,
        tipo=tipo,
        descrizione=descrizione,
        data=data,
        importo=importo,
        fornitore=fornitore,
        laboratorio=laboratorio,
        numero_documento=numero_documento,
        data_documento=data_documento,
    )
    if documento is not None:
        prestazione.documento = documento
    return prestazione_salva(prestazione=prestazione, utente=utente)


def prestazione_update(*, prestazione: Prestazione, utente=None, **campi) -> Prestazione:
    for campo, valore in campi.items():
        setattr(prestazione, campo, valore)
    return prestazione_salva(prestazione=prestazione, utente=utente)


@transaction.atomic
def prestazione_delete(*, prestazione: Prestazione, utente=None) -> None:
    precedente = _precedente(prestazione)
    if utente is not None:
        precedente._history_user = utente
    precedente.delete()
    errori, accordo, saldi = _errori_sotto_blocco(None, precedente)
    if errori:
        raise ValidationError(errori["__all__"][0])
    scrivi_somme(accordo, saldi)
    prestazione.pk = None


@transaction.atomic
def ricalcola_somme(tranche=None) -> int:
    """Set the running totals of `tranche` (a queryset; default all) to the
    sums of their prestazioni, under each agreement's lock. For rows written
    without the services: bulk inserts, a restored backup. Returns how many
    tranches changed."""
    tranche = Tranche.objects.all() if tranche is None else tranche
    cambiate = 0
    for accordo_id in sorted(set(tranche.values_list("accordo_id", flat=True))):
        blocca(accordo_id)
        for incoerente in somme_incoerenti(tranche.filter(accordo_id=accordo_id)):
            valore, quote, progettazione = incoerente.calcolate
            Tranche.objects.filter(pk=incoerente.tranche_id).update(
                somma_valore=valore,
                somma_quote=quote,
                somma_progettazione=progettazione,
                versione=F("versione") + 1,
            )
            cambiate += 1
    return cambiate


# Tranches and the agreement's money rules (edited by the Comune)


def errori_tranche(tranche: Tranche) -> Errori:
    """Check a new or edited tranche against its agreement, under the lock."""
    errori: Errori = defaultdict(list)
    for campo, messaggi in _errori_modello(tranche).items():
        errori[campo].extend(messaggi)
    if errori or tranche.accordo_id is None:
        return dict(errori)
    accordo = blocca(tranche.accordo_id)
    if tranche.pk:
        fuori = Prestazione.objects.filter(tranche_id=tranche.pk).exclude(
            data__range=(tranche.data_inizio, tranche.data_fine)
        )
        if fuori.exists():
            _aggiungi(
                errori,
                None,
                f"{fuori.count()} prestazioni della tranche hanno una data fuori dal nuovo periodo.",
            )
        saldi = [
            replace(t.saldo, etichetta=tranche.etichetta, importo=tranche.importo)
            if t.id == tranche.pk
            else t.saldo
            for t in accordo.tranche
        ]
    else:
        saldi = list(accordo.saldi)
    for violazione in rules.verifica_saldi(
        saldi,
        tetto_progettazione=accordo.tetto_progettazione,
        riporto_residui=accordo.riporto_residui,
    ):
        _aggiungi(errori, "importo", violazione.messaggio)
    return dict(errori)


@transaction.atomic
def tranche_salva(*, tranche: Tranche, utente=None) -> Tranche:
    errori = errori_tranche(tranche)
    if errori:
        raise ValidationError(errori)
    if utente is not None:
        tranche._history_user = utente
    tranche.save()
    return tranche


def errori_accordo(accordo: Accordo) -> Errori:
    """Check an edited agreement: its design cap and carry-over switch must
    still hold for what is already charged, and its tranches and prestazioni
    must stay inside its duration."""
    errori: Errori = defaultdict(list)
    for campo, messaggi in _errori_modello(accordo).items():
        errori[campo].extend(messaggi)
    if errori or accordo.pk is None:
        return dict(errori)
    tutte = blocca(accordo.pk).tranche
    for violazione in rules.verifica_saldi(
        [t.saldo for t in tutte],
        tetto_progettazione=accordo.tetto_progettazione,
        riporto_residui=accordo.riporto_residui,
    ):
        campo = violazione.campo if violazione.campo else "riporto_residui"
        _aggiungi(errori, campo, violazione.messaggio)
    fuori = [
        t.etichetta
        for t in tutte
        if t.data_inizio < accordo.data_inizio or t.data_fine > accordo.data_fine
    ]
    if fuori:
        _aggiungi(
            errori,
            "data_fine",
            "Le tranche " + ", ".join(f"«{e}»" for e in fuori) + " uscirebbero dalla durata "
            "dell'accordo: modificarne prima il periodo.",
        )
    return dict(errori)


@transaction.atomic
def accordo_salva(*, accordo: Accordo, utente=None) -> Accordo:
    errori = errori_accordo(accordo)
    if errori:
        raise ValidationError(errori)
    if utente is not None:
        accordo._history_user = utente
    accordo.save()
    return accordo
