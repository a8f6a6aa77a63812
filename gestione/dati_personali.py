"""A participant's records on request: everything stored about one code, and
its erasure.

A participant is a code and four categories; what else the application holds
about them is their enrolments, their attendance and the history rows of that
attendance (django-simple-history). Erasing removes all of it. Reports
already submitted are not touched: their frozen figures are counts, with no
code in them.

Every export and erasure leaves an anonymous line on the "audit" logger: who
(the operating-system user running the command), when, which agreement and
how many rows, never the code or the data.
"""

import getpass
import logging
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accordo.models import PeriodoChiuso
from laboratori.models import Partecipante, Presenza, Sessione
from rendicontazione.models import Osservazione, Rendiconto, Transizione

audit = logging.getLogger("audit")

CAMPI_CATEGORIE = ("fascia_eta", "genere", "livello_scolastico", "servizio_inviante")
OPERAZIONI_STORICO = {"+": "aggiunta", "~": "modifica", "-": "rimozione"}


class PartecipanteNonTrovato(Exception):
    """No participant, or more than one, answers to the code; message in Italian."""


def trova(codice: str, accordo_id: int | None = None) -> Partecipante:
    codice = codice.strip().upper()
    partecipanti = Partecipante.objects.filter(codice=codice).select_related("accordo")
    if accordo_id is not None:
        partecipanti = partecipanti.filter(accordo_id=accordo_id)
    trovati = list(partecipanti)
    if not trovati:
        dove = f" nell'accordo {accordo_id}" if accordo_id is not None else ""
        raise PartecipanteNonTrovato(
            f"Nessun partecipante con codice {codice}{dove}: controllare il codice (sei "
            "caratteri, senza 0, O, 1, I, L). Nulla è stato esportato o eliminato."
        )
    if len(trovati) > 1:
        accordi = ", ".join(str(p.accordo_id) for p in trovati)
        raise PartecipanteNonTrovato(
            f"Il codice {codice} esiste in più accordi (id {accordi}): indicare --accordo."
        )
    return trovati[0]


def _operatore() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "sconosciuto"


def _menzioni(partecipante: Partecipante) -> list[dict]:
    """Free-text fields that contain the code: the application cannot tell
    whether they say more about the person, so they are listed for a human to
    review (the help texts ask educators not to write names)."""
    codice = partecipante.codice
    accordo_id = partecipante.accordo_id
    menzioni = [
        {"dove": "note della sessione", "sessione_id": s.pk, "data": s.data.isoformat()}
        for s in Sessione.objects.filter(
            laboratorio__accordo_id=accordo_id, note__icontains=codice
        ).order_by("data", "pk")
    ]
    testo = (
        Q(attivita_svolte__icontains=codice)
        | Q(risultati__icontains=codice)
        | Q(criticita__icontains=codice)
        | Q(prospettive__icontains=codice)
    )
    menzioni += [
        {"dove": "narrativa del rendiconto", "rendiconto_id": r.pk}
        for r in Rendiconto.objects.filter(testo, accordo_id=accordo_id).order_by("pk")
    ]
    menzioni += [
        {"dove": "osservazioni del Comune", "rendiconto_id": t.rendiconto_id}
        for t in Transizione.objects.filter(
            rendiconto__accordo_id=accordo_id, osservazioni__icontains=codice
        ).order_by("pk")
    ]
    menzioni += [
        {"dove": "osservazione su una voce", "rendiconto_id": o.transizione.rendiconto_id}
        for o in Osservazione.objects.filter(
            transizione__rendiconto__accordo_id=accordo_id, testo__icontains=codice
        )
        .select_related("transizione")
        .order_by("pk")
    ]
    return menzioni


def dati(partecipante: Partecipante) -> dict:
    """Everything stored about the participant, as plain JSON-ready data."""
    categorie = {
        campo: {
            "valore": getattr(partecipante, campo),
            "descrizione": str(getattr(partecipante, f"get_{campo}_display")()),
        }
        for campo in CAMPI_CATEGORIE
    }
    iscrizioni = [
        {
            "laboratorio_id": lab.pk,
            "laboratorio": lab.titolo,
            "cooperativa": lab.cooperativa.nome,
            "luogo": lab.luogo,
            "dal": lab.data_inizio.isoformat(),
            "al": lab.data_fine.isoformat(),
        }
        for lab in partecipante.laboratori.select_related("cooperativa").order_by("titolo")
    ]
    presenze = [
        {
            "sessione_id": p.sessione_id,
            "data": p.sessione.data.isoformat(),
            "ora_inizio": p.sessione.ora_inizio.strftime("%H:%M"),
            "ora_fine": p.sessione.ora_fine.strftime("%H:%M"),
            "laboratorio": p.sessione.laboratorio.titolo,
        }
        for p in partecipante.righe_presenza.select_related("sessione__laboratorio").order_by(
            "sessione__data", "sessione__ora_inizio"
        )
    ]
    storico = list(
        Presenza.history.filter(partecipante_id=partecipante.pk).order_by("history_date", "pk")
    )
    sessioni = Sessione.objects.select_related("laboratorio").in_bulk(
        {riga.sessione_id for riga in storico}
    )
    storico_presenze = [
        {
            "quando": riga.history_date.isoformat(),
            "operazione": OPERAZIONI_STORICO.get(riga.history_type, riga.history_type),
            "sessione_id": riga.sessione_id,
            # A session deleted since then leaves only its id.
            "data_sessione": (
                sessioni[riga.sessione_id].data.isoformat()
                if riga.sessione_id in sessioni
                else None
            ),
            "laboratorio": (
                sessioni[riga.sessione_id].laboratorio.titolo
                if riga.sessione_id in sessioni
                else None
            ),
        }
        for riga in storico
    ]
    return {
        "codice": partecipante.codice,
        "accordo": {"id": partecipante.accordo_id, "titolo": partecipante.accordo.titolo},
        "registrato_il": partecipante.creato_il.isoformat(),
        "categorie": categorie,
        "iscrizioni": iscrizioni,
        "presenze": presenze,
        "storico_presenze": storico_presenze,
        "menzioni_nel_testo": _menzioni(partecipante),
        "esportato_il": timezone.now().isoformat(),
    }


def registra_esportazione(partecipante: Partecipante, riferimento: str = "") -> None:
    audit.info(
        "Esportati su richiesta i dati di un partecipante dell'accordo %s; operatore %s%s.",
        partecipante.accordo_id,
        _operatore(),
        f"; richiesta {riferimento}" if riferimento else "",
    )


@dataclass(frozen=True)
class Eliminazione:
    presenze: int
    presenze_in_periodi_chiusi: int
    righe_storico: int
    iscrizioni: int
    menzioni_nel_testo: int


def anteprima(partecipante: Partecipante) -> Eliminazione:
    """What an erasure would remove."""
    presenze = Presenza.objects.filter(partecipante=partecipante)
    chiusi = Q()
    for periodo in PeriodoChiuso.objects.filter(accordo_id=partecipante.accordo_id):
        chiusi |= Q(sessione__data__range=(periodo.dal, periodo.al))
    numero_presenze = presenze.count()
    return Eliminazione(
        presenze=numero_presenze,
        presenze_in_periodi_chiusi=presenze.filter(chiusi).count() if chiusi else 0,
        # Deleting the attendance first adds one "-" row per presence: removed too.
        righe_storico=Presenza.history.filter(partecipante_id=partecipante.pk).count()
        + numero_presenze,
        iscrizioni=partecipante.laboratori.count(),
        menzioni_nel_testo=len(_menzioni(partecipante)),
    )


@transaction.atomic
def elimina(*, partecipante: Partecipante, riferimento: str = "") -> Eliminazione:
    """Erase the participant, their enrolments, attendance and its history.

    Closed periods do not stop an erasure request: the reports approved for
    them keep their frozen counts, only the live figures change.
    """
    esito = anteprima(partecipante)
    accordo_id = partecipante.accordo_id
    Presenza.objects.filter(partecipante=partecipante).delete()
    righe_storico, _ = Presenza.history.filter(partecipante_id=partecipante.pk).delete()
    partecipante.laboratori.clear()
    partecipante.delete()
    esito = replace(esito, righe_storico=righe_storico)
    audit.info(
        "Eliminati su richiesta i dati di un partecipante dell'accordo %s: %s presenze, %s "
        "righe di storico, %s iscrizioni; operatore %s%s.",
        accordo_id,
        esito.presenze,
        esito.righe_storico,
        esito.iscrizioni,
        _operatore(),
        f"; richiesta {riferimento}" if riferimento else "",
    )
    return esito
