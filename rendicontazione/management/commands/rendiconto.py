"""The report of a period from the command line, for scheduled exports.

Computes the one summary live and writes the same PDF and Excel workbook
the report page offers; prints a short account of the figures in Italian.
"""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accordo.models import Accordo
from core.formati import data_it, euro, numero, parse_data
from rendicontazione.models import Rendiconto
from rendicontazione.riepilogo import Narrativa, Riepilogo, confronta, riepilogo

STATO = "Estrazione automatica"


class Command(BaseCommand):
    help = (
        "Calcola il rendiconto di un periodo di un accordo e ne scrive il PDF (--pdf) e il "
        "file Excel (--xlsx), con le stesse cifre della pagina del rendiconto. Date "
        "aaaa-mm-gg o gg/mm/aaaa. Stampa sempre un breve riepilogo."
    )

    def add_arguments(self, parser):
        parser.add_argument("--accordo", type=int, required=True, help="id dell'accordo")
        parser.add_argument("--dal", required=True, help="inizio del periodo (aaaa-mm-gg)")
        parser.add_argument("--al", required=True, help="fine del periodo (aaaa-mm-gg)")
        parser.add_argument("--pdf", metavar="FILE", help="dove scrivere il PDF")
        parser.add_argument("--xlsx", metavar="FILE", help="dove scrivere il file Excel")

    def handle(self, *args, **options):
        accordo = Accordo.objects.filter(pk=options["accordo"]).first()
        if accordo is None:
            raise CommandError(f"Nessun accordo con id {options['accordo']}. {_elenco()}")
        dal = _data(options["dal"], "--dal")
        al = _data(options["al"], "--al")
        if al < dal:
            raise CommandError(
                f"La fine del periodo ({data_it(al)}) non può precedere l'inizio ({data_it(dal)})."
            )
        if dal < accordo.data_inizio or al > accordo.data_fine:
            raise CommandError(
                f"Il periodo deve stare nella durata dell'accordo "
                f"({data_it(accordo.data_inizio)} - {data_it(accordo.data_fine)})."
            )
        destinazioni = [Path(p) for p in (options["pdf"], options["xlsx"]) if p]
        for percorso in destinazioni:
            if not percorso.parent.is_dir():
                raise CommandError(f"La cartella {percorso.parent} non esiste.")

        # The narrative and kind of a report of exactly this period, if any:
        # the figures stay live, its words are the consortium's own.
        rendiconto = (
            Rendiconto.objects.filter(accordo=accordo, dal=dal, al=al).order_by("pk").first()
        )
        riassunto = riepilogo(accordo, dal, al)
        if rendiconto is not None:
            narrativa = Narrativa.del_rendiconto(rendiconto)
            tipo = rendiconto.get_tipo_display()
        else:
            narrativa = Narrativa("", "", "", "")
            tipo = "Periodico"

        self._stampa(accordo, riassunto)
        if rendiconto is not None:
            self._confronta(rendiconto, riassunto)

        if options["pdf"]:
            from rendicontazione.pdf import pdf_rendiconto

            contenuto = pdf_rendiconto(riassunto, narrativa=narrativa, tipo=tipo, stato=STATO)
            self._scrivi(options["pdf"], lambda p: Path(p).write_bytes(contenuto), "PDF")
        if options["xlsx"]:
            from rendicontazione.excel import scrivi_xlsx_rendiconto

            self._scrivi(
                options["xlsx"],
                lambda p: scrivi_xlsx_rendiconto(riassunto, p, narrativa=narrativa),
                "Excel",
            )

    def _confronta(self, rendiconto: Rendiconto, riassunto: Riepilogo) -> None:
        """Say whether the live figures still match those frozen when the
        report of this period was last submitted."""
        invio = rendiconto.invii.order_by("-numero").first()
        if invio is None:
            return
        congelato = Riepilogo.from_json(invio.riepilogo)
        stato = rendiconto.get_stato_display().lower()
        if congelato.cifre() == riassunto.cifre():
            self.stdout.write(
                f"Le cifre coincidono con quelle congelate nell'invio n. {invio.numero} del "
                f"{rendiconto} ({stato})."
            )
            return
        differenze = confronta(congelato, riassunto)
        self.stdout.write(
            self.style.WARNING(
                f"Attenzione: queste cifre sono calcolate ora sui dati attuali e differiscono "
                f"da quelle congelate nell'invio n. {invio.numero} del {rendiconto} ({stato}), "
                f"che restano quelle ricevute dal Comune."
            )
        )
        for d in differenze:
            self.stdout.write(f"  {d.voce}: {d.prima or '-'} → {d.dopo or '-'}")

    def _scrivi(self, percorso: str, scrivi, cosa: str) -> None:
        try:
            scrivi(percorso)
        except OSError as exc:
            raise CommandError(f"Impossibile scrivere il file {cosa} {percorso}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"File {cosa} scritto: {percorso}"))

    def _stampa(self, accordo: Accordo, r: Riepilogo) -> None:
        spesa, attivita = r.spesa_periodo, r.attivita_periodo.totale
        righe = [
            f"Accordo {accordo.pk}: {accordo.titolo[:80]}",
            f"Periodo: {data_it(r.dal)} - {data_it(r.al)} (cifre calcolate il "
            f"{r.calcolato_il:%d/%m/%Y %H:%M})",
            f"Spesa del periodo: {euro(spesa.totale)} ({_prestazioni(spesa.numero_prestazioni)}; "
            f"quote amministrative {euro(spesa.quote)}; "
            f"quota progettazione {euro(spesa.progettazione)})",
        ]
        for t in r.spesa_cumulata.tranche:
            righe.append(
                f"Tranche {t.etichetta}: utilizzati {euro(t.utilizzato)} di {euro(t.importo)} "
                f"al {data_it(r.al)}, disponibili {euro(t.disponibile)}"
            )
        p = r.progettazione
        righe += [
            f"Quota progettazione: utilizzati {euro(p.utilizzato)} di {euro(p.tetto)}, "
            f"disponibili {euro(p.disponibile)}",
            f"Attività del periodo: {attivita.sessioni_svolte} sessioni, "
            f"{numero(attivita.ore)} ore, {attivita.partecipanti} partecipanti, "
            f"{attivita.presenze} presenze",
        ]
        for riga in righe:
            self.stdout.write(riga)


def _data(testo: str, opzione: str) -> date:
    try:
        return parse_data(testo)
    except ValueError as exc:
        raise CommandError(f"{opzione}: {exc}") from exc


def _prestazioni(n: int) -> str:
    return "1 prestazione" if n == 1 else f"{n} prestazioni"


def _elenco() -> str:
    righe = [
        f"{a.pk} ({a.titolo[:60]}, {data_it(a.data_inizio)} - {data_it(a.data_fine)})"
        for a in Accordo.objects.order_by("pk")
    ]
    if not righe:
        return "Nessun accordo caricato."
    return "Accordi disponibili: " + "; ".join(righe) + "."
