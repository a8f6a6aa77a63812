"""Realistic demo data for a newcomer: the member cooperatives, suppliers,
prestazioni across both tranches (inside every rule) and one user per role.

Running it again is harmless: what exists is left as it is, and the demo
users' passwords are set again to the same DEMO_PASSWORD.
"""

import os
import secrets
from datetime import date
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accordo.dati import cremona
from accordo.models import Accordo, Ente
from budget import services
from budget.models import Prestazione, Tranche
from core.models import Utente
from core.ruoli import gruppo_per_ruolo
from laboratori.demo import crea_laboratori
from rendicontazione import services as rendiconti
from rendicontazione.models import Rendiconto

COOPERATIVE = [
    ("Solco Cremona Edu Società Cooperativa Sociale", "01523400198", "Via del Sale 40/E"),
    ("Solco Young Società Cooperativa Sociale", "01634500191", "Via Bergamo 18"),
    ("Solco06 Società Cooperativa Sociale", "01745600195", "Via Mantova 25"),
]

FORNITORI = [
    ("Ciclostile Associazione di Promozione Sociale", "associazione", "01856700198"),
    ("Falegnameria Bodini di Bodini Marco", "fornitore", "01967800192"),
    ("Cartoleria Padana S.r.l.", "fornitore", "02078900194"),
    ("Trasporti Torrazzo S.n.c.", "fornitore", "02189000199"),
    ("Studio Educativo Po S.r.l.", "fornitore", "02290100193"),
]

# (date, kind, supplier index in FORNITORI or a cooperative name, description, value,
#  laboratorio title or None)
# fmt: off
PRESTAZIONI = [
    (date(2024, 9, 10), "progettazione", None, "Mappatura dell'offerta educativa per adolescenti e incontri di rete con scuole e servizi", "1200.00", None),
    (date(2024, 9, 23), "personale_interno", "Solco Cremona Edu", "Educatori per l'avvio del doposcuola Civico 81 (settembre)", "1450.00", "Doposcuola Civico 81"),
    (date(2024, 10, 4), "beni_consumo", 1, "Legname, colle e minuteria per il laboratorio di falegnameria", "612.40", "Falegnameria creativa"),
    (date(2024, 10, 15), "personale_esterno", 0, "Conduzione della ciclofficina da parte di volontari esperti (ottobre-novembre)", "980.00", "Ciclofficina Civico 81"),
    (date(2024, 10, 28), "personale_interno", "Solco Young", "Educativa territoriale: uscite serali nei quartieri (ottobre)", "1620.00", "Educativa territoriale nei quartieri"),
    (date(2024, 11, 8), "beni_consumo", 2, "Materiale didattico e di cancelleria per il doposcuola", "318.75", "Doposcuola Civico 81"),
    (date(2024, 11, 20), "servizi", 3, "Trasporto dei ragazzi all'uscita didattica al museo del violino", "420.00", None),
    (date(2024, 11, 29), "progettazione", None, "Tavoli di co-progettazione con il Servizio Tutela Minori e Spazio A.Gio", "800.00", None),
    (date(2024, 12, 6), "beneficiari", None, "Iscrizioni a corsi sportivi per ragazzi segnalati dai servizi", "540.00", None),
    (date(2024, 12, 18), "personale_interno", "Solco06", "Laboratorio di cucina e autonomia: educatore (dicembre)", "760.00", "Cucina e autonomia"),
    (date(2025, 1, 20), "progettazione", None, "Programmazione 2025 dei percorsi laboratoriali con la rete territoriale", "1500.00", None),
    (date(2025, 2, 12), "personale_interno", "Solco Cremona Edu", "Educatori del doposcuola Civico 81 (gennaio-febbraio)", "2350.00", "Doposcuola Civico 81"),
    (date(2025, 3, 5), "beni_consumo", 1, "Attrezzi e materiali per la falegnameria (secondo modulo)", "845.90", "Falegnameria creativa"),
    (date(2025, 3, 26), "personale_esterno", 0, "Ciclofficina: istruttori di meccanica della bicicletta (primavera)", "1380.00", "Ciclofficina Civico 81"),
    (date(2025, 4, 16), "personale_interno", "Solco Young", "Educativa territoriale: presidio dei parchi (marzo-aprile)", "2180.00", "Educativa territoriale nei quartieri"),
    (date(2025, 5, 21), "servizi", 4, "Supervisione pedagogica dell'équipe educativa", "960.00", None),
    (date(2025, 6, 30), "personale_interno", "Solco06", "Centro estivo per preadolescenti: educatori (giugno)", "2900.00", "Centro estivo preadolescenti"),
    (date(2025, 7, 15), "beneficiari", None, "Contributi per la partecipazione ai campi estivi", "1250.00", "Centro estivo preadolescenti"),
    (date(2025, 9, 18), "progettazione", None, "Attivazione delle associazioni sportive e culturali del territorio", "1000.00", None),
    (date(2025, 10, 9), "personale_interno", "Solco Cremona Edu", "Educatori del doposcuola Civico 81 (settembre-ottobre)", "2280.00", "Doposcuola Civico 81"),
]
# fmt: on

RENDICONTI = [
    (
        date(2024, 9, 1),
        date(2024, 12, 31),
        {
            "attivita_svolte": (
                "Avvio della ciclofficina, della falegnameria e del doposcuola al Civico 81; "
                "uscite di educativa territoriale nei quartieri; laboratorio di cucina da dicembre."
            ),
            "risultati": (
                "Cinque laboratori attivi, un gruppo stabile di ragazzi in ciascuno, prime "
                "segnalazioni dai servizi di tutela e dalle scuole."
            ),
            "criticita": "Avvio rallentato dall'individuazione degli spazi per la falegnameria.",
            "prospettive": "Programmazione 2025 con il centro estivo e il coinvolgimento delle associazioni.",
        },
        True,
    ),
    (
        date(2025, 1, 1),
        date(2025, 6, 30),
        {
            "attivita_svolte": (
                "Prosecuzione dei laboratori, secondo modulo di falegnameria, avvio del centro "
                "estivo per preadolescenti a giugno."
            ),
            "risultati": "Crescita delle presenze medie e buona tenuta dei gruppi.",
            "criticita": "Alcuni ragazzi hanno lasciato dopo pochi incontri.",
            "prospettive": "Rafforzare il raccordo con la scuola per il secondo semestre.",
        },
        False,
    ),
]

UTENTI = [
    # (username, first name, last name, ente key, staff)
    ("comune", "Giulia", "Ferrari", "comune", True),
    ("consorzio", "Marco", "Bianchi", "consorzio", True),
    ("coop_edu", "Sara", "Lombardi", "Solco Cremona Edu", False),
    ("coop_young", "Luca", "Galli", "Solco Young", False),
]


class Command(BaseCommand):
    help = "Crea i dati dimostrativi e un utente per ruolo (idempotente)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--senza-rendiconti",
            action="store_true",
            help="non creare i rendiconti dimostrativi (né chiudere il periodo 2024)",
        )

    def handle(self, *args, **options):
        if not Accordo.objects.filter(titolo=cremona.ACCORDO["titolo"]).exists():
            call_command("carica_accordo", stdout=self.stdout)
        with transaction.atomic():
            enti = self._enti()
            laboratori, sessioni = crea_laboratori(
                Accordo.objects.get(titolo=cremona.ACCORDO["titolo"]), enti
            )
            create = self._prestazioni(enti, laboratori)
        self.stdout.write(
            f"Laboratori: {len(laboratori)}; sessioni dimostrative create: {sessioni}."
        )
        self.stdout.write(f"Prestazioni dimostrative create: {create}.")
        credenziali = self._utenti(enti)
        if not options["senza_rendiconti"]:
            self._rendiconti()
        # Last, so the credentials are not lost among the e-mails the console
        # backend prints for the demo reports.
        self.stdout.write(credenziali)

    def _enti(self) -> dict[str, Ente]:
        consorzio = Ente.objects.get(codice_fiscale=cremona.CONSORZIO["codice_fiscale"])
        enti = {
            "comune": Ente.objects.get(codice_fiscale=cremona.COMUNE["codice_fiscale"]),
            "consorzio": consorzio,
        }
        for nome, partita_iva, indirizzo in COOPERATIVE:
            enti[nome.split(" Società")[0]] = self._ente(
                nome=nome,
                tipo="cooperativa",
                partita_iva=partita_iva,
                codice_fiscale=partita_iva,
                consorzio=consorzio,
                indirizzo=indirizzo,
                cap="26100",
                citta="Cremona",
                provincia="CR",
            )
        for indice, (nome, tipo, partita_iva) in enumerate(FORNITORI):
            enti[indice] = self._ente(
                nome=nome,
                tipo=tipo,
                partita_iva=partita_iva,
                codice_fiscale=partita_iva,
                cap="26100",
                citta="Cremona",
                provincia="CR",
            )
        return enti

    def _ente(self, **dati) -> Ente:
        ente = Ente.objects.filter(partita_iva=dati["partita_iva"]).first()
        if ente is None:
            ente = Ente(**dati)
            ente.full_clean()
            ente.save()
        return ente

    def _prestazioni(self, enti, laboratori) -> int:
        accordo = Accordo.objects.get(titolo=cremona.ACCORDO["titolo"])
        create = 0
        for giorno, tipo, fornitore, descrizione, valore, titolo_lab in PRESTAZIONI:
            tranche = services.tranche_per_data(accordo, giorno)
            if Prestazione.objects.filter(tranche=tranche, descrizione=descrizione).exists():
                continue
            if fornitore is None:
                # Design work and direct spending for beneficiaries are the
                # consortium's own.
                fornitore = "consorzio"
            services.prestazione_crea(
                tranche=tranche,
                tipo=tipo,
                fornitore=enti[fornitore],
                descrizione=descrizione,
                data=giorno,
                importo=Decimal(valore),
                laboratorio=laboratori.get(titolo_lab),
                numero_documento=f"{giorno.year}/{len(descrizione) % 90 + 10}",
                data_documento=giorno,
            )
            create += 1
        assert Tranche.objects.filter(accordo=accordo).count() == 2
        return create

    def _utenti(self, enti) -> str:
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
        righe = []
        for username, nome, cognome, chiave, staff in UTENTI:
            utente, _creato = Utente.objects.get_or_create(username=username)
            utente.first_name, utente.last_name = nome, cognome
            utente.email = f"{username}@example.invalid"
            utente.ente = enti[chiave]
            utente.is_staff = staff
            utente.set_password(password)
            utente.save()
            utente.groups.set([gruppo_per_ruolo(utente.ruolo)])
            righe.append((username, utente.ruolo.label, utente.ente.nome))
        admin, _creato = Utente.objects.get_or_create(username="amministratore")
        admin.is_staff = admin.is_superuser = True
        admin.email = "amministratore@example.invalid"
        admin.set_password(password)
        admin.save()
        righe.append(("amministratore", "Amministratore", "-"))
        righe_testo: list[str] = []
        righe_testo.append("")
        righe_testo.append("Utenti dimostrativi (password uguale per tutti):")
        for username, ruolo, ente in righe:
            righe_testo.append(f"  {username:<15} {ruolo:<15} {ente}")
        righe_testo.append(f"  password: {password}")
        if not os.environ.get("DEMO_PASSWORD"):
            righe_testo.append("  (generata ora: impostare DEMO_PASSWORD per sceglierla)")
        return "\n".join(righe_testo)

    def _rendiconti(self) -> None:
        """The 2024 report approved (its period closed) and the first half of
        2025 submitted and waiting for the Comune: both sides of the review
        are there to explore."""
        accordo = Accordo.objects.get(titolo=cremona.ACCORDO["titolo"])
        consorzio = Utente.objects.get(username="consorzio")
        comune = Utente.objects.get(username="comune")
        creati = 0
        for dal, al, testi, approva in RENDICONTI:
            if Rendiconto.objects.filter(accordo=accordo, dal=dal, al=al).exists():
                continue
            rendiconto = rendiconti.rendiconto_salva(
                rendiconto=Rendiconto(accordo=accordo, dal=dal, al=al, **testi), utente=consorzio
            )
            rendiconti.invia(rendiconto=rendiconto, utente=consorzio)
            if approva:
                rendiconti.approva(
                    rendiconto=rendiconto, utente=comune, osservazioni="Documentazione completa."
                )
            creati += 1
        self.stdout.write(f"Rendiconti dimostrativi creati: {creati}.")
