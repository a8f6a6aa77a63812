"""Print each agreement's budget: per tranche and for the design cap."""

import json

from django.core.management.base import BaseCommand, CommandError

from accordo.models import Accordo
from budget.selectors import stati_budget
from core.formati import data_it, euro, percentuale


class Command(BaseCommand):
    help = (
        "Situazione del budget per tranche (importo, prestazioni, quote amministrative, quota "
        "progettazione, utilizzato, disponibile) e del tetto progettazione."
    )

    def add_arguments(self, parser):
        parser.add_argument("--accordo", type=int, help="id dell'accordo (predefinito: tutti)")
        parser.add_argument("--json", action="store_true", help="stampa in JSON")

    def handle(self, *args, **options):
        accordi = Accordo.objects.order_by("pk")
        if options["accordo"] is not None:
            accordi = accordi.filter(pk=options["accordo"])
            if not accordi.exists():
                raise CommandError(f"Nessun accordo con id {options['accordo']}.")
        stati = stati_budget(accordi)
        if options["json"]:
            documento = {"accordi": [stato.as_json() for stato in stati]}
            self.stdout.write(json.dumps(documento, ensure_ascii=False, indent=2))
            return
        if not stati:
            self.stdout.write("Nessun accordo caricato: eseguire prima `manage.py carica_accordo`.")
        for stato in stati:
            self._stampa(stato)

    def _stampa(self, stato):
        scrivi = self.stdout.write
        scrivi(f"Accordo {stato.accordo_id}: {stato.titolo}")
        scrivi(
            f"Durata {data_it(stato.data_inizio)} - {data_it(stato.data_fine)}; quota "
            f"amministrativa {percentuale(stato.aliquota_quota_amministrativa)}; IVA "
            f"{percentuale(stato.aliquota_iva)}; riporto residui "
            f"{'sì' if stato.riporto_residui else 'no'}"
        )
        intestazioni = (
            "Tranche",
            "Importo",
            "Prestazioni",
            "Quote amm.",
            "Progettazione",
            "Utilizzato",
            "Disponibile",
        )
        righe = [
            (
                r.etichetta,
                euro(r.importo),
                euro(r.valore_prestazioni),
                euro(r.quote_amministrative),
                euro(r.quota_progettazione),
                euro(r.utilizzato),
                euro(r.disponibile),
            )
            for r in stato.tranche
        ]
        t = stato.totale
        righe.append(
            (
                "Totale",
                euro(t.importo),
                euro(t.valore_prestazioni),
                euro(t.quote_amministrative),
                euro(t.quota_progettazione),
                euro(t.utilizzato),
                euro(t.disponibile),
            )
        )
        larghezze = [
            max(len(str(c)) for c in colonna) for colonna in zip(intestazioni, *righe, strict=True)
        ]
        for riga in (intestazioni, *righe):
            celle = [riga[0].ljust(larghezze[0])]
            celle += [c.rjust(w) for c, w in zip(riga[1:], larghezze[1:], strict=True)]
            scrivi("  " + "  ".join(celle))
        p = stato.progettazione
        scrivi(
            f"Tetto progettazione: {euro(p.tetto)}; utilizzato {euro(p.utilizzato)}; "
            f"disponibile {euro(p.disponibile)}"
        )
        scrivi("")
