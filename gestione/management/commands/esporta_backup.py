"""Back up the database and the private attachments into a new folder."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gestione import backup


class Command(BaseCommand):
    help = (
        "Backup del database (pg_dump su PostgreSQL, JSON con dumpdata altrimenti) e degli "
        "allegati privati (ricevute, PDF dei rendiconti inviati) in una cartella nuova."
    )

    def add_arguments(self, parser):
        parser.add_argument("cartella", type=Path, help="cartella del backup, nuova o vuota")
        parser.add_argument(
            "--json",
            action="store_true",
            help="anche su PostgreSQL salva i dati in JSON (ripristinabile su qualsiasi database)",
        )

    def handle(self, *args, cartella: Path, **options):
        try:
            manifesto = backup.esporta(cartella, json_sempre=options["json"])
        except backup.ErroreBackup as exc:
            raise CommandError(str(exc)) from exc
        righe = sum(manifesto["conteggi"].values())
        self.stdout.write(
            f"Backup scritto in {cartella}: {manifesto['database']} ({righe} righe in "
            f"{len(manifesto['conteggi'])} tabelle) e {manifesto['allegati']} "
            f"({manifesto['file_allegati']} file allegati)."
        )
        self.stdout.write(
            "Contiene tutti i dati dell'applicazione: conservarlo in un luogo protetto."
        )
