"""Load the Cremona agreement: parties, Art. 2 objectives, tranches, rules.

Only what is missing is created, so running it again changes nothing, and
never overwrites what the Comune has since edited (e.g. the signature date).
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from accordo.dati import cremona
from accordo.models import Accordo, Ente, Obiettivo
from budget import services
from budget.models import Tranche


class Command(BaseCommand):
    help = "Carica l'accordo Comune di Cremona - Consorzio Sol.Co Cremona (idempotente)."

    @transaction.atomic
    def handle(self, *args, **options):
        self.creati = 0
        comune = self._ente(cremona.COMUNE)
        consorzio = self._ente(cremona.CONSORZIO)
        accordo = Accordo.objects.filter(
            ente_pubblico=comune, ente_partner=consorzio, titolo=cremona.ACCORDO["titolo"]
        ).first()
        if accordo is None:
            accordo = Accordo(ente_pubblico=comune, ente_partner=consorzio, **cremona.ACCORDO)
            services.accordo_salva(accordo=accordo)
            self._creato(f"accordo «{accordo.titolo[:60]}...»")
        for numero, testo in enumerate(cremona.OBIETTIVI, start=1):
            if not Obiettivo.objects.filter(accordo=accordo, numero=numero).exists():
                obiettivo = Obiettivo(accordo=accordo, numero=numero, testo=testo)
                obiettivo.full_clean()
                obiettivo.save()
                self._creato(f"obiettivo {numero}")
        for dati in cremona.TRANCHE:
            if not Tranche.objects.filter(accordo=accordo, etichetta=dati["etichetta"]).exists():
                services.tranche_salva(tranche=Tranche(accordo=accordo, **dati))
                self._creato(f"tranche {dati['etichetta']}")
        if self.creati:
            self.stdout.write(self.style.SUCCESS(f"Accordo caricato (id {accordo.pk})."))
        else:
            self.stdout.write(f"Accordo già presente (id {accordo.pk}): nessuna modifica.")

    def _ente(self, dati: dict) -> Ente:
        ente = Ente.objects.filter(codice_fiscale=dati["codice_fiscale"]).first()
        if ente is None:
            ente = Ente(**dati)
            ente.full_clean()
            ente.save()
            self._creato(f"ente «{ente.nome}»")
        return ente

    def _creato(self, cosa: str) -> None:
        self.creati += 1
        self.stdout.write(f"  creato: {cosa}")
