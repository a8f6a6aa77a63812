"""Writes of laboratories, sessions, attendance and participants."""

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accordo.periodi import errore_periodo_chiuso
from core import orologio
from core.formati import data_it
from laboratori import rules
from laboratori.access import corregge_entro_termini, lavora_per_cooperativa, partecipanti_visibili
from laboratori.models import Laboratorio, Partecipante, Presenza, Sessione, nuovo_codice

Errori = dict[str, list[str]]


def oggi():
    # The clock lives in core.orologio; this alias stays while tests and
    # views still freeze or read it here. It asks core's at every call, so
    # freezing core.orologio.oggi freezes it too.
    return orologio.oggi()


def errori_sessione(sessione: Sessione, presenti: Iterable[Partecipante], utente=None) -> Errori:
    """Every reason the session (with these attendees) cannot be saved."""
    errori: Errori = defaultdict(list)
    try:
        sessione.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for campo, messaggi in exc.message_dict.items():
            errori[campo].extend(messaggi)
    if errori:
        return dict(errori)
    laboratorio = Laboratorio.objects.select_related("accordo").get(pk=sessione.laboratorio_id)
    for campo, messaggi in rules.errori_sessione(
        data=sessione.data,
        ora_inizio=sessione.ora_inizio,
        ora_fine=sessione.ora_fine,
        numero_educatori=sessione.numero_educatori,
        ore_educatori=sessione.ore_educatori,
        volontari=sessione.volontari,
        ore_volontari=sessione.ore_volontari,
        inizio_laboratorio=laboratorio.data_inizio,
        fine_laboratorio=laboratorio.data_fine,
        oggi=oggi(),
    ).items():
        errori[campo].extend(messaggi)

    originale_data = (
        Sessione.objects.filter(pk=sessione.pk).values_list("data", flat=True).first()
        if sessione.pk
        else None
    )
    chiuso = errore_periodo_chiuso(laboratorio.accordo_id, sessione.data, originale_data)
    if chiuso:
        errori["__all__"].append(chiuso)

    if utente is not None and corregge_entro_termini(utente) and sessione.pk:
        giorni = laboratorio.accordo.giorni_modifica_sessioni
        # Both the session as it was and as it would become must be recent:
        # a correction cannot move a session back into a settled past.
        if originale_data and not rules.modificabile_da_cooperativa(originale_data, oggi(), giorni):
            errori["__all__"].append(
                f"La sessione del {data_it(originale_data)} non è più modificabile: le "
                f"cooperative possono correggere una sessione entro {giorni} giorni. "
                "Chiedere al Consorzio."
            )
        elif sessione.data and not rules.modificabile_da_cooperativa(sessione.data, oggi(), giorni):
            errori["data"].append(
                f"Una sessione già registrata non si può spostare al {data_it(sessione.data)}: "
                f"le cooperative correggono solo entro {giorni} giorni. Chiedere al Consorzio."
            )
    if utente is not None and lavora_per_cooperativa(utente):
        # A cooperative may not tick another cooperative's participants (those
        # enrolled only in other cooperatives' laboratories): attending would
        # enrol them here and show them to this cooperative.
        ids = [p.pk for p in presenti]
        propri = set(partecipanti_visibili(utente).filter(pk__in=ids).values_list("pk", flat=True))
        iscritti = set(
            Partecipante.laboratori.through.objects.filter(partecipante_id__in=ids).values_list(
                "partecipante_id", flat=True
            )
        )
        estranei_coop = [p.codice for p in presenti if p.pk in iscritti and p.pk not in propri]
        if estranei_coop:
            errori["presenti"].append(
                "Questi partecipanti non sono iscritti ai laboratori della cooperativa: "
                + ", ".join(estranei_coop)
                + "."
            )

    if sessione.data and sessione.ora_inizio and sessione.ora_fine:
        sovrapposte = Sessione.objects.filter(
            laboratorio_id=sessione.laboratorio_id,
            data=sessione.data,
            ora_inizio__lt=sessione.ora_fine,
            ora_fine__gt=sessione.ora_inizio,
        ).exclude(pk=sessione.pk)
        if sovrapposte.exists():
            altra = sovrapposte.first()
            errori["__all__"].append(
                f"Esiste già una sessione di questo laboratorio il {data_it(altra.data)} dalle "
                f"{altra.ora_inizio:%H:%M} alle {altra.ora_fine:%H:%M}: non registrarla due volte."
            )

    estranei = [p.codice for p in presenti if p.accordo_id != laboratorio.accordo_id]
    if estranei:
        errori["presenti"].append(
            "Questi partecipanti appartengono a un altro accordo: " + ", ".join(estranei) + "."
        )
    return dict(errori)


@transaction.atomic
def sessione_salva(
    *, sessione: Sessione, presenti: Iterable[Partecipante], utente=None
) -> Sessione:
    """Create or update a session with its attendance, or refuse it."""
    presenti = list(presenti)
    errori = errori_sessione(sessione, presenti, utente)
    if errori:
        raise ValidationError(errori)
    if utente is not None:
        sessione._history_user = utente
        if sessione.pk is None:
            sessione.creata_da = utente
    try:
        with transaction.atomic():
            sessione.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"__all__": ["Esiste già una sessione di questo laboratorio a quell'ora."]}
        ) from exc
    _aggiorna_presenze(sessione, presenti, utente)
    return sessione


def _aggiorna_presenze(sessione: Sessione, presenti: list[Partecipante], utente) -> None:
    """Apply the attendance as a difference, so history records each tick."""
    attuali = {p.partecipante_id: p for p in sessione.righe_presenza.all()}
    voluti = {p.pk for p in presenti}
    for partecipante_id, presenza in attuali.items():
        if partecipante_id not in voluti:
            presenza._history_user = utente
            presenza.delete()
    for partecipante_id in voluti - attuali.keys():
        presenza = Presenza(sessione=sessione, partecipante_id=partecipante_id)
        presenza._history_user = utente
        presenza.save()
    # Attending enrols: the participant appears in the laboratory's register.
    sessione.laboratorio.iscritti.add(*voluti)


@transaction.atomic
def sessione_elimina(*, sessione: Sessione, utente=None) -> None:
    chiuso = errore_periodo_chiuso(sessione.laboratorio.accordo_id, sessione.data)
    if chiuso:
        raise ValidationError(chiuso)
    if utente is not None and corregge_entro_termini(utente):
        giorni = sessione.laboratorio.accordo.giorni_modifica_sessioni
        if not rules.modificabile_da_cooperativa(sessione.data, oggi(), giorni):
            raise ValidationError(
                f"La sessione del {data_it(sessione.data)} non è più cancellabile: le "
                f"cooperative possono correggere una sessione entro {giorni} giorni."
            )
    for presenza in sessione.righe_presenza.all():
        presenza._history_user = utente
        presenza.delete()
    sessione._history_user = utente
    sessione.delete()


@transaction.atomic
def partecipante_crea(
    *,
    laboratorio: Laboratorio,
    fascia_eta: str,
    genere: str,
    livello_scolastico: str,
    servizio_inviante: str,
) -> Partecipante:
    """Register a new participant with a fresh pseudonymous code and enrol
    them in the laboratory."""
    partecipante = Partecipante(
        accordo_id=laboratorio.accordo_id,
        fascia_eta=fascia_eta,
        genere=genere,
        livello_scolastico=livello_scolastico,
        servizio_inviante=servizio_inviante,
    )
    for _tentativo in range(20):
        partecipante.codice = nuovo_codice()
        if not Partecipante.objects.filter(
            accordo_id=laboratorio.accordo_id, codice=partecipante.codice
        ).exists():
            break
    partecipante.full_clean(exclude=["laboratori"])
    partecipante.save()
    partecipante.laboratori.add(laboratorio)
    return partecipante


def errori_laboratorio(laboratorio: Laboratorio, obiettivi=None) -> Errori:
    """Every reason the laboratory (with these objectives) cannot be saved."""
    try:
        laboratorio.full_clean()
    except ValidationError as exc:
        return exc.message_dict
    if obiettivi is not None:
        estranei = [o for o in obiettivi if o.accordo_id != laboratorio.accordo_id]
        if estranei:
            return {"obiettivi": ["Gli obiettivi devono essere dell'accordo."]}
    fuori = []
    if laboratorio.pk:
        fuori = Sessione.objects.filter(laboratorio=laboratorio).exclude(
            data__range=(laboratorio.data_inizio, laboratorio.data_fine)
        )
    if fuori:
        quante = (
            "1 sessione resterebbe" if len(fuori) == 1 else f"{len(fuori)} sessioni resterebbero"
        )
        return {"data_inizio": [f"{quante} fuori dal nuovo periodo."]}
    return {}


@transaction.atomic
def laboratorio_salva(*, laboratorio: Laboratorio, obiettivi=None, utente=None) -> Laboratorio:
    errori = errori_laboratorio(laboratorio, obiettivi)
    if errori:
        raise ValidationError(errori)
    if utente is not None:
        laboratorio._history_user = utente
    laboratorio.save()
    if obiettivi is not None:
        laboratorio.obiettivi.set(obiettivi)
    return laboratorio
