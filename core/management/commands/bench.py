"""`manage.py bench`: the benchmark figures of the issue, each a ratio
measured in the same run, with the machine they come from.

    manage.py bench                       # SQLite; PostgreSQL if BENCH_POSTGRES_URL is set
    make bench                            # the same, with a throw-away PostgreSQL server

The measurements run in processes of their own, on throw-away databases
(see bench/esecuzione.py); `--fase` is how this command runs them.
"""

import json
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bench.esecuzione import Avanzamento, Opzioni, esegui, rapporto


class Command(BaseCommand):
    help = (
        "Misura query, latenza, export Excel e PDF e scrittura concorrente su dati di scala, "
        "e stampa ogni cifra come rapporto con una misura di riferimento."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fattori",
            nargs=2,
            type=float,
            default=[1, 10],
            metavar=("PICCOLO", "GRANDE"),
            help="Fattori di scala dei due database confrontati (default 1 e 10).",
        )
        parser.add_argument(
            "--ripetizioni",
            type=int,
            default=30,
            help="Richieste per pagina nella misura della latenza (default 30).",
        )
        parser.add_argument(
            "--postgres",
            default=os.environ.get("BENCH_POSTGRES_URL", ""),
            help="URL di un server PostgreSQL su cui creare (e poi eliminare) un database "
            "di prova; default: BENCH_POSTGRES_URL.",
        )
        parser.add_argument("--json", help="Scrive anche i risultati completi in questo file JSON.")
        parser.add_argument(
            "--conserva", action="store_true", help="Non cancella i database SQLite di prova."
        )
        # Internal: one phase, in its own process, on BENCH_DATABASE_URL.
        parser.add_argument("--fase", help="(interno) esegue una sola fase.")
        parser.add_argument("--parametri", default="{}", help="(interno) parametri della fase.")
        parser.add_argument("--uscita", help="(interno) file JSON dei risultati della fase.")

    def handle(self, *args, **options):
        if options["fase"]:
            return self._fase(options)
        if options["fattori"][0] >= options["fattori"][1]:
            raise CommandError("Il secondo fattore deve essere maggiore del primo.")
        opzioni = Opzioni(
            fattori=tuple(options["fattori"]),
            postgres_url=options["postgres"] or None,
            ripetizioni_latenza=options["ripetizioni"],
            conserva=options["conserva"],
        )
        try:
            risultati = esegui(opzioni, Avanzamento(lambda t: print(t, file=sys.stderr)))
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(risultati, indent=2, ensure_ascii=False))
        self.stdout.write(rapporto(risultati))

    def _fase(self, options) -> None:
        from django.conf import settings

        from bench.fasi import FASI

        if settings.SETTINGS_MODULE != "bench.settings":
            raise CommandError(
                "Le fasi si eseguono solo con DJANGO_SETTINGS_MODULE=bench.settings."
            )
        if options["fase"] not in FASI:
            raise CommandError(f"Fase sconosciuta: {options['fase']}.")
        risultato = FASI[options["fase"]](json.loads(options["parametri"]))
        Path(options["uscita"]).write_text(json.dumps(risultato, default=str))
