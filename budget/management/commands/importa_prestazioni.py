"""Import prestazioni from a CSV or XLSX file, all or nothing.

A thin wrapper around budget.importazione, which does the work (and will
serve a web page too): this prints the outcome in Italian and exits with an
error when anything in the file is invalid.
"""

from django.core.management.base import BaseCommand, CommandError

from accordo.models import Accordo
from budget.importazione import (
    COLONNE_FACOLTATIVE,
    COLONNE_OBBLIGATORIE,
    descrivi,
    importa_prestazioni,
)
from budget.models import TipoPrestazione
from core.formati import data_it, euro


def _errori(n: int) -> str:
    return "1 errore" if n == 1 else f"{n} errori"


class Command(BaseCommand):
    help = (
        "Importa prestazioni da un file CSV o XLSX con intestazione "
        f"{', '.join(COLONNE_OBBLIGATORIE)} (facoltative: {', '.join(COLONNE_FACOLTATIVE)}). "
        "Date gg/mm/aaaa o aaaa-mm-gg; importi «1.234,56» o «1234.56»; tipo tra "
        f"{', '.join(TipoPrestazione.values)}. La tranche segue dalla data. Tutto o niente: "
        "se una riga non è valida, o le righe insieme violano una regola, non si scrive nulla."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="file CSV (separatore ; o ,) o XLSX")
        parser.add_argument(
            "--accordo",
            type=int,
            help="id dell'accordo (facoltativo se ne esiste uno solo)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="verifica il file e le regole senza scrivere nulla",
        )

    def handle(self, *args, **options):
        accordo = self._accordo(options["accordo"])
        dry_run = options["dry_run"]
        esito = importa_prestazioni(options["file"], accordo=accordo, dry_run=dry_run)

        self.stdout.write(f"Accordo {accordo.pk}: {accordo.titolo[:80]}")
        self.stdout.write(f"Righe lette: {esito.righe_lette}")
        for numero_riga, messaggio in esito.avvisi:
            self.stdout.write(self.style.WARNING("Avviso. " + descrivi(numero_riga, messaggio)))
        if esito.errori:
            for numero_riga, messaggio in esito.errori:
                self.stderr.write(descrivi(numero_riga, messaggio))
            raise CommandError(f"Nessuna prestazione importata: {_errori(len(esito.errori))}.")

        if dry_run:
            self.stdout.write("Prestazioni che sarebbero importate:")
        for prestazione in esito.prestazioni:
            fornitore = prestazione.fornitore.nome if prestazione.fornitore else "senza fornitore"
            self.stdout.write(
                f"  {data_it(prestazione.data)}  {prestazione.tipo}  {fornitore}  "
                f"{euro(prestazione.importo)} + quota {euro(prestazione.quota_amministrativa)} "
                f"= {euro(prestazione.totale_addebitato)}  (tranche "
                f"{prestazione.tranche.etichetta})"
            )
        if esito.fornitori_creati:
            verbo = "sarebbero registrati" if dry_run else "registrati"
            self.stdout.write(
                f"Nuovi fornitori {verbo}: " + ", ".join(f"«{n}»" for n in esito.fornitori_creati)
            )
        n = len(esito.prestazioni)
        totale = euro(esito.totale_addebitato)
        if dry_run:
            self.stdout.write(f"Totale che sarebbe addebitato: {totale}.")
            sarebbero = (
                "1 prestazione sarebbe importata"
                if n == 1
                else (f"{n} prestazioni sarebbero importate")
            )
            self.stdout.write(
                self.style.SUCCESS(f"Verifica riuscita: {sarebbero}. Nessun dato scritto.")
            )
        else:
            importate = "Importata 1 prestazione" if n == 1 else f"Importate {n} prestazioni"
            self.stdout.write(self.style.SUCCESS(f"{importate} (totale addebitato {totale})."))

    def _accordo(self, pk: int | None) -> Accordo:
        if pk is not None:
            accordo = Accordo.objects.filter(pk=pk).first()
            if accordo is None:
                raise CommandError(f"Nessun accordo con id {pk}. {self._elenco()}")
            return accordo
        accordi = list(Accordo.objects.order_by("pk")[:2])
        if not accordi:
            raise CommandError(
                "Nessun accordo caricato: eseguire prima `manage.py carica_accordo`."
            )
        if len(accordi) > 1:
            raise CommandError(
                f"Esistono più accordi: indicare quale con --accordo ID. {self._elenco()}"
            )
        return accordi[0]

    def _elenco(self) -> str:
        righe = [
            f"{a.pk} ({a.titolo[:60]}, {data_it(a.data_inizio)} - {data_it(a.data_fine)})"
            for a in Accordo.objects.order_by("pk")
        ]
        if not righe:
            return "Nessun accordo caricato."
        return "Accordi disponibili: " + "; ".join(righe) + "."
