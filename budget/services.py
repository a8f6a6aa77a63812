"""Writes of the budget: every change to a prestazione, a tranche or an
agreement's money rules goes through here.

Each write checks the rules of budget.rules and saves in one transaction,
holding a lock on the agreement's row (SELECT ... FOR UPDATE on PostgreSQL),
so two people saving at the same moment cannot together break a cap: the
second one waits, then sees the first one's prestazione in its figures.
"""

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accordo.models import Accordo
from accordo.periodi import errore_periodo_chiuso
from budget import rules
from budget.models import Prestazione, Tranche
from budget.selectors import saldo, tranche_con_saldi

Errori = dict[str, list[str]]


def _blocca_accordo(accordo_id: int) -> Accordo:
    """Lock the agreement row for the rest of the transaction.

    Every money write of an agreement takes this same lock, so the checks
    and the write of concurrent requests are serialised per agreement.
    """
    return Accordo.objects.select_for_update().get(pk=accordo_id)


def _aggiungi(errori: Errori, campo: str | None, messaggio: str) -> None:
    errori[campo or "__all__"].append(messaggio)


def _errori_modello(istanza, *, vincoli: bool = True) -> Errori:
    """Django's field validation. `vincoli=False` skips the check constraints'
    queries where the rules already enforce them (and a lock is held)."""
    try:
        istanza.full_clean(validate_unique=False, validate_constraints=vincoli)
    except ValidationError as exc:
        return {campo: list(messaggi) for campo, messaggi in exc.message_dict.items()}
    return {}


def _tranche_bloccate(accordo: Accordo) -> list[Tranche]:
    return list(tranche_con_saldi(Tranche.objects.filter(accordo=accordo)))


def tranche_per_data(accordo: Accordo, giorno: date) -> Tranche | None:
    """The tranche whose period contains `giorno` (periods never overlap)."""
    return Tranche.objects.filter(
        accordo=accordo, data_inizio__lte=giorno, data_fine__gte=giorno
    ).first()


# Prestazioni


def addebito_registrato(prestazione: Prestazione, indice: int) -> rules.Addebito:
    """What a saved prestazione charges to the tranche at `indice`."""
    return rules.Addebito(
        tranche=indice,
        valore=prestazione.importo,
        aliquota=prestazione.aliquota_quota_amministrativa,
        quota=prestazione.quota_amministrativa,
        progettazione=prestazione.progettazione,
    )


def _errori_prestazione_bloccata(prestazione: Prestazione) -> Errori:
    """Check a prestazione about to be saved. The caller holds the lock.

    Also sets the rate and the fee: a new prestazione takes the agreement's
    current rate, an edited one keeps the rate it was registered with, so a
    later change of the rate does not rewrite history (rule 5).
    """
    errori: Errori = defaultdict(list)
    tranche = Tranche.objects.select_related("accordo").get(pk=prestazione.tranche_id)
    accordo = _blocca_accordo(tranche.accordo_id)
    precedente = None
    if prestazione.pk:
        precedente = (
            Prestazione.objects.select_for_update().select_related("tranche").get(pk=prestazione.pk)
        )
        if precedente.tranche.accordo_id != accordo.pk:
            _aggiungi(errori, "tranche", "Una prestazione non può passare a un altro accordo.")
            return errori
    chiuso = errore_periodo_chiuso(
        accordo.pk, prestazione.data, precedente.data if precedente else None
    )
    if chiuso:
        _aggiungi(errori, None, chiuso)
        return errori

    aliquota = rules.aliquota_da_applicare(
        progettazione=prestazione.progettazione,
        aliquota_accordo=accordo.aliquota_quota_amministrativa,
        registrata=precedente.aliquota_quota_amministrativa
        if precedente is not None and not precedente.progettazione
        else None,
    )
    prestazione.aliquota_quota_amministrativa = aliquota

    importo = prestazione.importo
    if importo is None:
        _aggiungi(errori, "importo", "Indicare il valore della prestazione.")
    else:
        importo = Decimal(importo)
        for messaggio in rules.errori_importo(importo):
            _aggiungi(errori, "importo", messaggio)
    if errori:
        return errori
    prestazione.quota_amministrativa = (
        rules.ZERO if prestazione.progettazione else rules.quota_amministrativa(importo, aliquota)
    )

    # The table's check constraints (value > 0, fee >= 0) are rules.errori_importo
    # and the fee computed above: no need to query them under the lock.
    for campo, messaggi in _errori_modello(prestazione, vincoli=False).items():
        errori[campo].extend(messaggi)
    if not prestazione.progettazione and prestazione.fornitore_id is None:
        _aggiungi(errori, "fornitore", "Indicare il fornitore della prestazione.")
    if prestazione.laboratorio_id and prestazione.laboratorio.accordo_id != accordo.pk:
        _aggiungi(errori, "laboratorio", "Il laboratorio indicato appartiene a un altro accordo.")
    if prestazione.data is not None:
        for violazione in rules.verifica_data(
            prestazione.data,
            tranche=tranche.etichetta,
            inizio_tranche=tranche.data_inizio,
            fine_tranche=tranche.data_fine,
            inizio_accordo=accordo.data_inizio,
            fine_accordo=accordo.data_fine,
        ):
            _aggiungi(errori, violazione.campo, violazione.messaggio)
    if errori:
        return errori

    tutte = _tranche_bloccate(accordo)
    indice = {t.pk: i for i, t in enumerate(tutte)}
    nuovo = rules.addebito(
        tranche=indice[tranche.pk],
        valore=importo,
        aliquota=aliquota,
        progettazione=prestazione.progettazione,
    )
    vecchio = addebito_registrato(precedente, indice[precedente.tranche_id]) if precedente else None
    for violazione in rules.verifica_addebito(
        [saldo(t) for t in tutte],
        nuovo,
        tetto_progettazione=accordo.tetto_progettazione,
        riporto_residui=accordo.riporto_residui,
        precedente=vecchio,
    ):
        _aggiungi(errori, violazione.campo, violazione.messaggio)
    return errori


def errori_prestazione(prestazione: Prestazione) -> Errori:
    """The rules a prestazione would break if saved as it is (empty if none).

    Takes the agreement's lock: call it inside the transaction that then
    saves (the admin's change form runs in one), so check and write are one.
    """
    if prestazione.tranche_id is None:
        return {"tranche": ["Indicare la tranche."]}
    return dict(_errori_prestazione_bloccata(prestazione))


@transaction.atomic
def prestazione_salva(*, prestazione: Prestazione, utente=None) -> Prestazione:
    """Create or update a prestazione, or refuse it with ValidationError."""
    errori = errori_prestazione(prestazione)
    if errori:
        raise ValidationError(errori)
    if utente is not None:
        prestazione._history_user = utente
        if prestazione.pk is None:
            prestazione.creata_da = utente
    prestazione.save()
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
    _blocca_accordo(prestazione.tranche.accordo_id)
    chiuso = errore_periodo_chiuso(prestazione.tranche.accordo_id, prestazione.data)
    if chiuso:
        raise ValidationError(chiuso)
    if utente is not None:
        prestazione._history_user = utente
    prestazione.delete()


# Tranches and the agreement's money rules (edited by the Comune)


def errori_tranche(tranche: Tranche) -> Errori:
    """Check a new or edited tranche against its agreement, under the lock."""
    errori: Errori = defaultdict(list)
    for campo, messaggi in _errori_modello(tranche).items():
        errori[campo].extend(messaggi)
    if errori or tranche.accordo_id is None:
        return dict(errori)
    accordo = _blocca_accordo(tranche.accordo_id)
    tutte = _tranche_bloccate(accordo)
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
            replace(saldo(t), etichetta=tranche.etichetta, importo=tranche.importo)
            if t.pk == tranche.pk
            else saldo(t)
            for t in tutte
        ]
    else:
        saldi = [saldo(t) for t in tutte]
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
    _blocca_accordo(accordo.pk)
    tutte = _tranche_bloccate(accordo)
    for violazione in rules.verifica_saldi(
        [saldo(t) for t in tutte],
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
