"""Restore a backup written by `esporta_backup`."""

from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gestione import backup


class Command(BaseCommand):
    help = (
        "Ripristina un backup di esporta_backup: il contenuto del database è sostituito da "
        "quello del backup (pg_restore su PostgreSQL, loaddata per i backup JSON) e gli "
        "allegati privati sono rimessi al loro posto."
    )

    def add_arguments(self, parser):
        parser.add_argument("cartella", type=Path, help="cartella scritta da esporta_backup")
        parser.add_argument(
            "--forza",
            action="store_true",
            help="procede anche se il database contiene già dati, che vengono sostituiti",
        )

    def handle(self, *args, cartella: Path, **options):
        try:
            esito = backup.ripristina(cartella, forza=options["forza"])
        except backup.ErroreBackup as exc:
            raise CommandError(str(exc)) from exc
        manifesto = esito["manifesto"]
        creato_il = timezone.localtime(datetime.fromisoformat(manifesto["creato_il"]))
        self.stdout.write(
            f"Ripristinato il backup del {creato_il:%d/%m/%Y %H:%M} "
            f"({manifesto['database']}): {esito['righe']} righe in {esito['tabelle']} "
            f"tabelle, {esito['file_allegati']} file allegati."
        )
        if esito["migrazioni_mancanti"]:
            self.stdout.write(
                f"Il codice ha {esito['migrazioni_mancanti']} migrazioni più recenti del "
                "backup: eseguire `manage.py migrate`."
            )
