"""The report workflow: create, edit, submit, approve, send back.

Each transition checks the role, records who and when (Transizione), and
sends an e-mail; submission freezes the summary and the PDF (Invio);
approval closes the period (accordo.PeriodoChiuso), after which no
prestazione or session dated in it can be created, changed or deleted.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q

from accordo.models import Accordo, PeriodoChiuso
from core.formati import data_it
from core.models import Ruolo, Utente
from rendicontazione.models import (
    Invio,
    Osservazione,
    Rendiconto,
    StatoRendiconto,
    TipoRendiconto,
    Transizione,
)
from rendicontazione.riepilogo import Narrativa, Riepilogo, riepilogo

CAMPI_NARRATIVA = ("attivita_svolte", "risultati", "criticita", "prospettive")


def _richiedi_ruolo(utente, *ruoli: str) -> None:
    if utente is None or not (utente.is_superuser or utente.ruolo in ruoli):
        raise PermissionDenied("Il suo profilo non consente questa operazione sul rendiconto.")


def _blocca(rendiconto: Rendiconto) -> Rendiconto:
    # The agreement row first, as every money write does, so an approval and
    # a prestazione saved at the same moment are serialised.
    Accordo.objects.select_for_update().get(pk=rendiconto.accordo_id)
    return Rendiconto.objects.select_for_update().get(pk=rendiconto.pk)


def errori_rendiconto(rendiconto: Rendiconto) -> dict[str, list[str]]:
    errori: dict[str, list[str]] = {}
    try:
        rendiconto.full_clean(exclude=["creato_da"])
    except ValidationError as exc:
        errori.update(exc.message_dict)
    if errori or not (rendiconto.dal and rendiconto.al and rendiconto.accordo_id):
        return errori
    accordo = rendiconto.accordo
    if rendiconto.al < rendiconto.dal:
        errori.setdefault("al", []).append("La fine del periodo non può precedere l'inizio.")
    if rendiconto.dal < accordo.data_inizio or rendiconto.al > accordo.data_fine:
        errori.setdefault("dal", []).append(
            f"Il periodo deve stare nella durata dell'accordo ({data_it(accordo.data_inizio)} - "
            f"{data_it(accordo.data_fine)})."
        )
    if rendiconto.tipo == TipoRendiconto.PERIODICO:
        sovrapposto = (
            Rendiconto.objects.filter(
                accordo_id=rendiconto.accordo_id,
                tipo=TipoRendiconto.PERIODICO,
                dal__lte=rendiconto.al,
                al__gte=rendiconto.dal,
            )
            .exclude(pk=rendiconto.pk)
            .first()
        )
        if sovrapposto:
            errori.setdefault("dal", []).append(
                f"Il periodo si sovrappone al {sovrapposto}: i rendiconti periodici non si "
                "sovrappongono."
            )
    return errori


@transaction.atomic
def rendiconto_salva(*, rendiconto: Rendiconto, utente) -> Rendiconto:
    """Create or edit a report (Consorzio), only while bozza or da integrare."""
    _richiedi_ruolo(utente, Ruolo.CONSORZIO)
    if rendiconto.pk:
        attuale = _blocca(rendiconto)
        if not attuale.modificabile:
            raise ValidationError(
                f"Il rendiconto è «{attuale.get_stato_display()}»: non si può più modificare."
            )
        if (attuale.dal, attuale.al) != (rendiconto.dal, rendiconto.al) and (
            attuale.stato != StatoRendiconto.BOZZA
        ):
            raise ValidationError(
                "Il periodo si può cambiare solo finché il rendiconto è in bozza."
            )
    errori = errori_rendiconto(rendiconto)
    if errori:
        raise ValidationError(errori)
    if rendiconto.pk is None:
        rendiconto.creato_da = utente
    rendiconto._history_user = utente
    rendiconto.save()
    return rendiconto


def _transizione(
    rendiconto: Rendiconto, a_stato: str, utente, osservazioni: str = ""
) -> Transizione:
    transizione = Transizione.objects.create(
        rendiconto=rendiconto,
        da_stato=rendiconto.stato,
        a_stato=a_stato,
        utente=utente,
        osservazioni=osservazioni,
    )
    rendiconto.stato = a_stato
    rendiconto._history_user = utente
    rendiconto.save(update_fields=["stato", "modificato_il"])
    return transizione


def _destinatari(accordo: Accordo, ruolo: str) -> list[str]:
    ente_id = accordo.ente_pubblico_id if ruolo == Ruolo.COMUNE else accordo.ente_partner_id
    return list(
        Utente.objects.filter(ente_id=ente_id, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _avvisa(rendiconto: Rendiconto, ruolo: str, oggetto: str, testo: str) -> None:
    destinatari = _destinatari(rendiconto.accordo, ruolo)
    if destinatari:
        # After the commit: a rolled-back transition sends nothing.
        transaction.on_commit(
            lambda: send_mail(oggetto, testo, None, destinatari, fail_silently=False)
        )


def documento_pdf(
    riassunto: Riepilogo, narrativa: Narrativa, rendiconto: Rendiconto, stato: str
) -> bytes:
    from rendicontazione.pdf import pdf_rendiconto

    return pdf_rendiconto(
        riassunto,
        narrativa=narrativa,
        tipo=rendiconto.get_tipo_display(),
        stato=stato,
    )


@transaction.atomic
def invia(*, rendiconto: Rendiconto, utente) -> Invio:
    """Consorzio submits: the summary and the PDF are frozen with the report."""
    _richiedi_ruolo(utente, Ruolo.CONSORZIO)
    rendiconto = _blocca(rendiconto)
    if not rendiconto.modificabile:
        raise ValidationError(
            f"Il rendiconto è «{rendiconto.get_stato_display()}»: non si può inviare."
        )
    if not rendiconto.attivita_svolte.strip():
        raise ValidationError(
            {"attivita_svolte": ["Descrivere le attività svolte prima di inviare il rendiconto."]}
        )
    riassunto = riepilogo(rendiconto.accordo, rendiconto.dal, rendiconto.al)
    narrativa = Narrativa.del_rendiconto(rendiconto)
    numero = rendiconto.invii.count() + 1
    invio = Invio(
        rendiconto=rendiconto,
        numero=numero,
        riepilogo=riassunto.as_json(),
        narrativa={c: getattr(narrativa, c) for c in CAMPI_NARRATIVA},
        inviato_da=utente,
    )
    pdf = documento_pdf(riassunto, narrativa, rendiconto, str(StatoRendiconto.INVIATO.label))
    invio.pdf.save(f"rendiconto-{rendiconto.pk}-invio-{numero}.pdf", ContentFile(pdf), save=False)
    invio.save()
    _transizione(rendiconto, StatoRendiconto.INVIATO, utente)
    _avvisa(
        rendiconto,
        Ruolo.COMUNE,
        f"Rendiconto inviato: {data_it(rendiconto.dal)} - {data_it(rendiconto.al)}",
        f"Il Consorzio ha inviato il {rendiconto} (invio n. {numero}) dell'accordo "
        f"«{rendiconto.accordo.titolo}». È in attesa della sua revisione.",
    )
    return invio


@transaction.atomic
def approva(*, rendiconto: Rendiconto, utente, osservazioni: str = "") -> Transizione:
    """Comune approves: the period is closed to further changes."""
    _richiedi_ruolo(utente, Ruolo.COMUNE)
    rendiconto = _blocca(rendiconto)
    if rendiconto.stato != StatoRendiconto.INVIATO:
        raise ValidationError("Si può approvare solo un rendiconto inviato.")
    transizione = _transizione(rendiconto, StatoRendiconto.APPROVATO, utente, osservazioni)
    periodo = PeriodoChiuso(
        accordo_id=rendiconto.accordo_id,
        dal=rendiconto.dal,
        al=rendiconto.al,
        motivo=f"{rendiconto} approvato",
    )
    periodo._history_user = utente
    periodo.save()
    _avvisa(
        rendiconto,
        Ruolo.CONSORZIO,
        f"Rendiconto approvato: {data_it(rendiconto.dal)} - {data_it(rendiconto.al)}",
        f"Il Comune ha approvato il {rendiconto}. Il periodo è chiuso: prestazioni e sessioni "
        "del periodo non sono più modificabili."
        + (f"\n\nOsservazioni: {osservazioni}" if osservazioni else ""),
    )
    return transizione


@dataclass(frozen=True)
class OsservazioneVoce:
    testo: str
    prestazione_id: int | None = None
    sessione_id: int | None = None


@transaction.atomic
def rimanda(
    *,
    rendiconto: Rendiconto,
    utente,
    osservazioni: str,
    osservazioni_voci: Iterable[OsservazioneVoce] = (),
) -> Transizione:
    """Comune sends the report back with remarks, overall and on single items."""
    _richiedi_ruolo(utente, Ruolo.COMUNE)
    rendiconto = _blocca(rendiconto)
    if rendiconto.stato != StatoRendiconto.INVIATO:
        raise ValidationError("Si può rimandare al Consorzio solo un rendiconto inviato.")
    voci = [v for v in osservazioni_voci if v.testo.strip()]
    if not osservazioni.strip() and not voci:
        raise ValidationError(
            {"osservazioni": ["Indicare cosa il Consorzio deve integrare o correggere."]}
        )
    riassunto = Riepilogo.from_json(rendiconto.invii.order_by("-numero").first().riepilogo)
    ammesse_prestazioni = {v.id for v in riassunto.prestazioni}
    ammesse_sessioni = {s.id for s in riassunto.sessioni}
    for voce in voci:
        if (voce.prestazione_id is None) == (voce.sessione_id is None):
            raise ValidationError("Ogni osservazione riguarda una prestazione o una sessione.")
        if voce.prestazione_id is not None and voce.prestazione_id not in ammesse_prestazioni:
            raise ValidationError("La prestazione indicata non fa parte del rendiconto.")
        if voce.sessione_id is not None and voce.sessione_id not in ammesse_sessioni:
            raise ValidationError("La sessione indicata non fa parte del rendiconto.")
    transizione = _transizione(rendiconto, StatoRendiconto.DA_INTEGRARE, utente, osservazioni)
    Osservazione.objects.bulk_create(
        Osservazione(
            transizione=transizione,
            prestazione_id=v.prestazione_id,
            sessione_id=v.sessione_id,
            testo=v.testo.strip(),
        )
        for v in voci
    )
    _avvisa(
        rendiconto,
        Ruolo.CONSORZIO,
        f"Rendiconto da integrare: {data_it(rendiconto.dal)} - {data_it(rendiconto.al)}",
        f"Il Comune ha chiesto integrazioni al {rendiconto}.\n\n{osservazioni}"
        + "".join(f"\n- {v.testo}" for v in voci),
    )
    return transizione


def rendiconti_in_sospeso(utente) -> Q:
    """What waits for the user: reports to review (Comune) or to complete
    (Consorzio)."""
    if utente.ruolo == Ruolo.COMUNE:
        return Q(stato=StatoRendiconto.INVIATO)
    if utente.ruolo == Ruolo.CONSORZIO:
        return Q(stato__in=[StatoRendiconto.BOZZA, StatoRendiconto.DA_INTEGRARE])
    return Q(pk__in=[])
