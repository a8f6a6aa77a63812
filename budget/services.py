"""Writes of the budget: every change to a prestazione, a tranche or an
agreement's money rules goes through here, and nowhere else.

One path per record. Each write runs in one transaction that:

1. checks the record's own fields (Django's validation, the amount),
2. takes the lock on the agreement's row (`SELECT ... FOR UPDATE` through
   the ORM; SQLite lets one writer at a time in anyway),
3. sums what each tranche of the agreement carries from its prestazioni
   (one aggregate query: budget.selectors.saldi_accordo), and checks
   the rules of budget.rules once against those sums,
4. saves the record with its history, or refuses with
   ValidationError({field: [messages]}) having written nothing.

Two people saving at the same moment therefore cannot together break a cap:
the second one waits for the lock, then its sums include the first one's
prestazione. Forms, the admin and the import call these functions once and
put the refusal's messages on their fields.
"""

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accordo.models import Accordo
from accordo.periodi import errore_periodo_chiuso
from budget import rules
from budget.models import Prestazione, Tranche
from budget.selectors import addebito_registrato, saldi_accordo

Errori = dict[str, list[str]]


def _aggiungi(errori: Errori, campo: str | None, messaggio: str) -> None:
    errori[campo or "__all__"].append(messaggio)


def _errori_modello(istanza, *, exclude=None) -> Errori:
    """Django's field validation. The check constraints are left to the
    rules, which say more than "constraint violated"."""
    try:
        istanza.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return {campo: list(messaggi) for campo, messaggi in exc.message_dict.items()}
    return {}


def _rifiuta_se(errori: Errori) -> None:
    if errori:
        raise ValidationError(dict(errori))


def blocca(accordo_id: int) -> Accordo:
    """Lock the agreement's row until the end of the transaction and return
    it as it is now. Every money write of the agreement (prestazioni,
    tranches, money rules, the approval that closes a period) takes this
    lock first, so their checks and writes are serialised."""
    return Accordo.objects.select_for_update().get(pk=accordo_id)


def tranche_per_data(accordo: Accordo, giorno: date) -> Tranche | None:
    """The tranche whose period contains `giorno` (periods never overlap)."""
    return Tranche.objects.filter(
        accordo=accordo, data_inizio__lte=giorno, data_fine__gte=giorno
    ).first()


# Prestazioni


def _errori_campi(prestazione: Prestazione) -> Errori:
    """What a prestazione's own fields say, before any lock: the amount,
    Django's validation, the supplier, the laboratory's agreement."""
    errori: Errori = defaultdict(list)
    if prestazione.importo is None:
        _aggiungi(errori, "importo", _("Indicare il valore della prestazione."))
    else:
        for messaggio in rules.errori_importo(Decimal(prestazione.importo)):
            _aggiungi(errori, "importo", messaggio)
    # The rate and the fee are computed under the lock; related rows passed
    # as instances exist (the foreign keys enforce it at the insert).
    gia_letti = [
        campo.name
        for campo in Prestazione._meta.concrete_fields
        if campo.is_relation and campo.is_cached(prestazione)
    ]
    escludi = ["aliquota_quota_amministrativa", "quota_amministrativa", "importo", *gia_letti]
    for campo, messaggi in _errori_modello(prestazione, exclude=escludi).items():
        errori[campo].extend(messaggi)
    if not prestazione.progettazione and prestazione.fornitore_id is None:
        _aggiungi(errori, "fornitore", _("Indicare il fornitore della prestazione."))
    return errori


def _imposta_quota(
    prestazione: Prestazione, accordo: Accordo, precedente: Prestazione | None
) -> None:
    """Rule 5: a new prestazione takes the agreement's current rate, an
    edited one keeps the rate it was registered with, so a later change of
    the rate does not rewrite history; design work carries no fee."""
    aliquota = rules.aliquota_da_applicare(
        progettazione=prestazione.progettazione,
        aliquota_accordo=accordo.aliquota_quota_amministrativa,
        registrata=precedente.aliquota_quota_amministrativa
        if precedente is not None and not precedente.progettazione
        else None,
    )
    # rules.addebito is where the fee is computed (none on design work); the
    # tranche's index does not matter for it.
    addebito = rules.addebito(
        tranche=0,
        valore=Decimal(prestazione.importo),
        aliquota=aliquota,
        progettazione=prestazione.progettazione,
    )
    prestazione.aliquota_quota_amministrativa = addebito.aliquota
    prestazione.quota_amministrativa = addebito.quota


def _errori_regole(
    prestazione: Prestazione | None, precedente: Prestazione | None, accordo: Accordo
) -> Errori:
    """Under the lock: the closed periods, the dates against the tranche as
    it is now, and the caps against the sums of the prestazioni as they are
    now. `prestazione` None is a deletion of `precedente`."""
    errori: Errori = defaultdict(list)
    giorni = [p.data for p in (prestazione, precedente) if p is not None]
    chiuso = errore_periodo_chiuso(accordo.pk, *giorni)
    if chiuso:
        _aggiungi(errori, None, chiuso)
        return errori
    if prestazione is None:
        return errori
    tutte, saldi = saldi_accordo(accordo)
    indici = {t.pk: i for i, t in enumerate(tutte)}
    if prestazione.tranche_id not in indici:
        _aggiungi(errori, "tranche", _("Una prestazione non può passare a un altro accordo."))
        return errori
    tranche = tutte[indici[prestazione.tranche_id]]
    for violazione in rules.verifica_data(
        prestazione.data,
        tranche=tranche.etichetta,
        inizio_tranche=tranche.data_inizio,
        fine_tranche=tranche.data_fine,
        inizio_accordo=accordo.data_inizio,
        fine_accordo=accordo.data_fine,
    ):
        _aggiungi(errori, violazione.campo, violazione.messaggio)
    if prestazione.laboratorio_id and prestazione.laboratorio.accordo_id != accordo.pk:
        _aggiungi(
            errori, "laboratorio", _("Il laboratorio indicato appartiene a un altro accordo.")
        )
    for violazione in rules.verifica_addebito(
        saldi,
        addebito_registrato(prestazione, indici[prestazione.tranche_id]),
        tetto_progettazione=accordo.tetto_progettazione,
        riporto_residui=accordo.riporto_residui,
        precedente=addebito_registrato(precedente, indici[precedente.tranche_id])
        if precedente is not None
        else None,
    ):
        _aggiungi(errori, violazione.campo, violazione.messaggio)
    return errori


def _accordo_della_tranche(prestazione: Prestazione) -> int:
    """The id of the agreement whose lock a write of `prestazione` takes:
    its tranche's, read only when the caller passed no tranche instance.
    Under the lock the tranche must be among the agreement's, so an
    instance that has gone stale is refused, never saved elsewhere."""
    if Prestazione.tranche.is_cached(prestazione):
        return prestazione.tranche.accordo_id
    accordo_id = (
        Tranche.objects.filter(pk=prestazione.tranche_id)
        .order_by()
        .values_list("accordo_id", flat=True)
        .first()
    )
    if accordo_id is None:
        _rifiuta_se({"tranche": [_("La tranche indicata non esiste.")]})
    return accordo_id


@transaction.atomic
def prestazione_salva(*, prestazione: Prestazione, utente=None) -> Prestazione:
    """Create or update a prestazione, or refuse it with ValidationError
    (then nothing is written, and a new prestazione keeps no pk)."""
    if prestazione.tranche_id is None:
        _rifiuta_se({"tranche": [_("Indicare la tranche.")]})
    _rifiuta_se(_errori_campi(prestazione))
    accordo = blocca(_accordo_della_tranche(prestazione))
    # Read after the lock: another edit of the same prestazione has finished.
    precedente = Prestazione.objects.filter(pk=prestazione.pk).first() if prestazione.pk else None
    _imposta_quota(prestazione, accordo, precedente)
    _rifiuta_se(_errori_regole(prestazione, precedente, accordo))
    if utente is not None:
        prestazione._history_user = utente
        if prestazione.pk is None:
            prestazione.creata_da = utente
    prestazione.save()
    return prestazione


def prestazione_crea(
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
    """A new prestazione from its fields, through prestazione_salva."""
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


def prestazione_modifica(*, prestazione: Prestazione, utente=None, **campi) -> Prestazione:
    """Change some fields of a prestazione, through prestazione_salva."""
    for campo, valore in campi.items():
        setattr(prestazione, campo, valore)
    return prestazione_salva(prestazione=prestazione, utente=utente)


@transaction.atomic
def prestazione_elimina(*, prestazione: Prestazione, utente=None) -> None:
    """Delete a prestazione, unless its period is closed (approved report)."""
    accordo = blocca(_accordo_della_tranche(prestazione))
    precedente = Prestazione.objects.get(pk=prestazione.pk)
    errori = _errori_regole(None, precedente, accordo)
    if errori:
        raise ValidationError(errori["__all__"][0])
    if utente is not None:
        precedente._history_user = utente
    precedente.delete()
    prestazione.pk = None


# Tranches and the agreement's money rules (edited by the Comune)


def _violazioni_saldi(saldi, accordo: Accordo) -> list[rules.Violazione]:
    return rules.verifica_saldi(
        saldi,
        tetto_progettazione=accordo.tetto_progettazione,
        riporto_residui=accordo.riporto_residui,
    )


@transaction.atomic
def tranche_salva(*, tranche: Tranche, utente=None) -> Tranche:
    """Create or change a tranche: its period must hold its prestazioni, and
    its amount what they already charge (rule 3, with carry-over if on)."""
    errori: Errori = defaultdict(list)
    for campo, messaggi in _errori_modello(tranche).items():
        errori[campo].extend(messaggi)
    _rifiuta_se(errori)
    accordo = blocca(tranche.accordo_id)
    tutte, saldi = saldi_accordo(accordo)
    if tranche.pk:
        fuori = Prestazione.objects.filter(tranche_id=tranche.pk).exclude(
            data__range=(tranche.data_inizio, tranche.data_fine)
        )
        quante = fuori.count()
        if quante:
            _aggiungi(
                errori,
                None,
                _("%(n)s prestazioni della tranche hanno una data fuori dal nuovo periodo.")
                % {"n": quante},
            )
        saldi = tuple(
            replace(s, etichetta=tranche.etichetta, importo=tranche.importo)
            if t.pk == tranche.pk
            else s
            for t, s in zip(tutte, saldi, strict=True)
        )
    for violazione in _violazioni_saldi(saldi, accordo):
        _aggiungi(errori, "importo", violazione.messaggio)
    _rifiuta_se(errori)
    if utente is not None:
        tranche._history_user = utente
    tranche.save()
    return tranche


@transaction.atomic
def accordo_salva(*, accordo: Accordo, utente=None) -> Accordo:
    """Change an agreement: its design cap and carry-over switch must still
    hold for what is already charged, and its tranches must stay inside its
    duration."""
    errori: Errori = defaultdict(list)
    for campo, messaggi in _errori_modello(accordo).items():
        errori[campo].extend(messaggi)
    _rifiuta_se(errori)
    if accordo.pk is not None:
        blocca(accordo.pk)
        tutte, saldi = saldi_accordo(accordo)
        for violazione in _violazioni_saldi(saldi, accordo):
            _aggiungi(errori, violazione.campo or "riporto_residui", violazione.messaggio)
        fuori = [
            t.etichetta
            for t in tutte
            if t.data_inizio < accordo.data_inizio or t.data_fine > accordo.data_fine
        ]
        if fuori:
            _aggiungi(
                errori,
                "data_fine",
                _(
                    "Le tranche %(tranche)s uscirebbero dalla durata dell'accordo: "
                    "modificarne prima il periodo."
                )
                % {"tranche": ", ".join(f"«{e}»" for e in fuori)},
            )
        _rifiuta_se(errori)
    if utente is not None:
        accordo._history_user = utente
    accordo.save()
    return accordo
