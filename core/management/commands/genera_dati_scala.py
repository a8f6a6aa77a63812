"""A scale dataset for benchmarks: `manage.py genera_dati_scala --fattore N`.

At factor 1: 10.000 prestazioni, 50 laboratori, 5.000 sessioni and 50.000
presenze over 5 agreements (see bench/scala.py for the sizes at other
factors and the rules the data respects). Fractions are accepted
(`--fattore 0.05`), for tests.

Each run adds a new, self-contained set: its own Comune, Consorzio,
cooperatives and suppliers, and agreements whose titles start with
"[scala]"; nothing that exists is changed. The rows are written with bulk
inserts, so they have no history (django-simple-history) and no command
removes them: the command is meant for a throw-away database, and refuses
one that already holds other agreements unless --forza is given.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from accordo.models import Accordo
from bench.scala import PREFISSO, RegoleViolate, genera


def _intero(valore: int) -> str:
    return f"{valore:,}".replace(",", ".")


class Command(BaseCommand):
    help = (
        "Crea un insieme di dati su larga scala per i benchmark (inserimenti in blocco, "
        "senza cronologia): a fattore 1, 10.000 prestazioni, 50 laboratori, 5.000 sessioni "
        "e 50.000 presenze."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fattore", type=float, default=1.0, help="Scala dei dati (1 = 10.000 prestazioni)."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Seme dei numeri casuali (stessi dati a pari seme)."
        )
        parser.add_argument(
            "--accordi",
            type=int,
            default=None,
            help="Numero di accordi (default: 5 x radice del fattore).",
        )
        parser.add_argument(
            "--forza",
            action="store_true",
            help="Procedere anche se il database contiene accordi che non sono dati di scala.",
        )

    def handle(self, *args, fattore, seed, accordi, forza, **options):
        if fattore <= 0:
            raise CommandError("Il fattore deve essere maggiore di zero.")
        if accordi is not None and accordi < 1:
            raise CommandError("Il numero di accordi deve essere almeno 1.")
        altri = Accordo.objects.exclude(titolo__startswith=PREFISSO).count()
        if altri and not forza:
            raise CommandError(
                f"Il database contiene già {altri} accordi che non sono dati di scala. I dati "
                "di scala non hanno cronologia e non si possono rimuovere con un comando: "
                "usare un database vuoto, oppure --forza per aggiungerli comunque."
            )
        inizio = time.perf_counter()
        try:
            insieme = genera(fattore, seed=seed, accordi=accordi)
        except RegoleViolate as exc:
            raise CommandError(f"I dati generati violerebbero le regole del budget: {exc}") from exc
        durata = time.perf_counter() - inizio
        d = insieme.dimensioni
        secondi = f"{durata:.1f}".replace(".", ",")
        self.stdout.write(
            f"Dati di scala creati in {secondi} s ({insieme.comune.nome}, "
            f"{insieme.consorzio.nome}): {_intero(d.accordi)} accordi, "
            f"{_intero(d.laboratori)} laboratori, {_intero(d.sessioni)} sessioni, "
            f"{_intero(d.presenze)} presenze, {_intero(d.prestazioni)} prestazioni."
        )
