"""Export or erase one participant's records, on request."""

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gestione import dati_personali


class Command(BaseCommand):
    help = (
        "Dati di un partecipante su richiesta: --esporta scrive in JSON tutto ciò che è "
        "registrato sul codice (categorie, iscrizioni, presenze e loro storico); --elimina "
        "--conferma cancella partecipante, iscrizioni, presenze e storico delle presenze."
    )

    def add_arguments(self, parser):
        parser.add_argument("codice", help="codice pseudonimo del partecipante, es. K7PX2M")
        parser.add_argument(
            "--accordo", type=int, help="id dell'accordo, se il codice esiste in più accordi"
        )
        azione = parser.add_mutually_exclusive_group(required=True)
        azione.add_argument(
            "--esporta",
            nargs="?",
            const="-",
            metavar="FILE",
            help="scrive i dati in JSON nel FILE (senza FILE: a video)",
        )
        azione.add_argument(
            "--elimina", action="store_true", help="elimina i dati (serve anche --conferma)"
        )
        parser.add_argument(
            "--conferma", action="store_true", help="conferma l'eliminazione, che è definitiva"
        )
        parser.add_argument(
            "--richiesta",
            default="",
            help="riferimento della richiesta (es. numero di protocollo) per il registro; "
            "mai il nome della persona",
        )

    def handle(self, *args, codice, **options):
        try:
            partecipante = dati_personali.trova(codice, options["accordo"])
        except dati_personali.PartecipanteNonTrovato as exc:
            raise CommandError(str(exc)) from exc
        if options["elimina"]:
            self._elimina(partecipante, options["conferma"], options["richiesta"])
        else:
            self._esporta(partecipante, options["esporta"], options["richiesta"])

    def _esporta(self, partecipante, destinazione: str, richiesta: str) -> None:
        testo = json.dumps(dati_personali.dati(partecipante), ensure_ascii=False, indent=2)
        if destinazione == "-":
            self.stdout.write(testo)
        else:
            percorso = Path(destinazione)
            # Personal data: readable by the one who asked for it only.
            descrittore = os.open(percorso, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descrittore, "w", encoding="utf-8") as file:
                file.write(testo + "\n")
            self.stdout.write(f"Dati del partecipante {partecipante.codice} scritti in {percorso}.")
        dati_personali.registra_esportazione(partecipante, richiesta)

    def _elimina(self, partecipante, conferma: bool, richiesta: str) -> None:
        codice = partecipante.codice
        if not conferma:
            previsto = dati_personali.anteprima(partecipante)
            self.stdout.write(self._descrizione(codice, previsto, futuro=True))
            raise CommandError(
                "Nulla è stato eliminato: l'eliminazione è definitiva, ripetere il comando con "
                "--conferma per procedere."
            )
        esito = dati_personali.elimina(partecipante=partecipante, riferimento=richiesta)
        self.stdout.write(self._descrizione(codice, esito, futuro=False))

    @staticmethod
    def _descrizione(codice: str, esito: dati_personali.Eliminazione, *, futuro: bool) -> str:
        verbo = "Verrebbero eliminati" if futuro else "Eliminati"
        righe = [
            f"{verbo} il partecipante {codice} e i suoi dati: iscrizioni ai laboratori "
            f"{esito.iscrizioni}, presenze {esito.presenze}, righe di storico delle presenze "
            f"{esito.righe_storico}."
        ]
        if esito.presenze_in_periodi_chiusi:
            righe.append(
                f"Presenze in periodi già approvati: {esito.presenze_in_periodi_chiusi}. I "
                "rendiconti inviati restano come sono (contengono solo conteggi, nessun "
                "codice); cambiano solo gli indicatori calcolati oggi su quei periodi."
            )
        if esito.menzioni_nel_testo:
            righe.append(
                f"Testi liberi che contengono il codice: {esito.menzioni_nel_testo} (note delle "
                "sessioni, rendiconti, osservazioni). Non vengono modificati: l'elenco è "
                "nell'esportazione (--esporta); rileggerli e correggerli a mano se dicono "
                "qualcosa della persona."
            )
        return "\n".join(righe)
