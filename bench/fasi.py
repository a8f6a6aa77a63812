"""The measurements, one phase each, run by `manage.py bench --fase NAME` in
a process of their own on a database already filled by genera_dati_scala.

Each phase returns plain data (JSON) that bench.esecuzione turns into the
report. Every time is compared with a baseline measured in the same
process, a moment apart, so the figures are ratios that hold from one
machine to another.
"""

import gc
import http.client
import io
import multiprocessing
import os
import random
import re
import resource
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from html import escape

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from accordo.models import Accordo, Ente, TipoEnte
from bench.scala import PREFISSO
from bench.urls import URL_BANALE
from budget import rules, services
from budget.models import Prestazione, TipoPrestazione
from budget.selectors import stato_budget
from core.formati import data_it, euro
from core.models import Utente
from core.ruoli import gruppo_per_ruolo
from rendicontazione.models import Rendiconto
from rendicontazione.riepilogo import Narrativa, riepilogo

URL_PRESTAZIONI = "/budget/prestazioni/"


# The scale set and its users


def _ente(tipo: str) -> Ente:
    return Ente.objects.filter(tipo=tipo, nome__startswith=PREFISSO).order_by("pk").first()


def accordo_principale() -> Accordo:
    return Accordo.objects.filter(titolo__startswith=PREFISSO).order_by("pk").first()


def rendiconto_principale() -> Rendiconto:
    """The draft report of the first tranche of the first agreement."""
    return Rendiconto.objects.filter(accordo=accordo_principale()).order_by("dal", "pk").first()


def utenti() -> dict[str, Utente]:
    """A Comune and a Consorzio user of the first scale set (staff, like the
    demo users)."""
    risultato = {}
    for ruolo, tipo in (("comune", TipoEnte.COMUNE), ("consorzio", TipoEnte.CONSORZIO)):
        utente, _creato = Utente.objects.get_or_create(
            username=f"bench_{ruolo}", defaults={"ente": _ente(tipo), "is_staff": True}
        )
        utente.groups.set([gruppo_per_ruolo(utente.ruolo)])
        risultato[ruolo] = utente
    return risultato


def pagine() -> list[tuple[str, str | None]]:
    """(name, URL) of the pages measured; URL None when the page does not
    exist (yet) in this version of the application."""
    try:
        resolve(URL_PRESTAZIONI)
        prestazioni = URL_PRESTAZIONI
    except Resolver404:
        prestazioni = None
    try:
        dettaglio = reverse("rendicontazione:dettaglio", args=[rendiconto_principale().pk])
    except NoReverseMatch:
        dettaglio = None
    return [
        ("Dashboard /", "/"),
        ("Elenco laboratori", reverse("laboratori:elenco")),
        ("Elenco prestazioni", prestazioni),
        ("Elenco rendiconti", reverse("rendicontazione:elenco")),
        ("Pagina del rendiconto", dettaglio),
    ]


# Query counts


_NUMERI = re.compile(r"\b\d+(\.\d+)?\b")
_LISTE_IN = re.compile(r"IN \([^)]*\)")
_STRINGHE = re.compile(r"'[^']*'")


def _forma(sql: str) -> str:
    """The shape of a query, without its values: repeated shapes are N+1s."""
    return _NUMERI.sub("?", _STRINGHE.sub("'?'", _LISTE_IN.sub("IN (...)", sql)))


def _ripetute(queries: list[dict]) -> list[tuple[int, str]]:
    conteggi = Counter(_forma(q["sql"]) for q in queries)
    return [(n, forma[:300]) for forma, n in conteggi.most_common(3) if n > 1]


def _conta(funzione) -> tuple[dict, object]:
    """The queries of `funzione` with the application's cache emptied (the
    most it takes: what a request runs after any change of the data), and,
    as information, with what the first call left in the cache."""
    funzione()  # warm-up: caches (content types, templates) filled once per process
    with CaptureQueriesContext(connection) as in_cache:
        funzione()
    cache.clear()
    with CaptureQueriesContext(connection) as contesto:
        risultato = funzione()
    queries = contesto.captured_queries
    return {
        "query": len(queries),
        "query_in_cache": len(in_cache.captured_queries),
        "ripetute": _ripetute(queries),
        # The start of each query, to tell where a page's queries come from.
        "elenco": [q["sql"][:120] for q in queries],
    }, risultato


def fase_query(_parametri: dict) -> dict:
    voci = []
    for ruolo, utente in utenti().items():
        client = Client()
        client.force_login(utente)
        for nome, url in pagine():
            if url is None:
                voci.append({"nome": nome, "ruolo": ruolo, "query": None})
                continue
            conteggio, risposta = _conta(lambda url=url, client=client: client.get(url))
            voci.append(
                {"nome": nome, "ruolo": ruolo, "url": url, "stato_http": risposta.status_code}
                | conteggio
            )
    rendiconto = rendiconto_principale()
    conteggio, riassunto = _conta(
        lambda: riepilogo(rendiconto.accordo, rendiconto.dal, rendiconto.al)
    )
    voci.append(
        {"nome": "riepilogo()", "ruolo": "-", "prestazioni": len(riassunto.prestazioni)} | conteggio
    )
    return {"voci": voci}


# Latency over the real WSGI stack


def _porta_libera() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _richiesta(porta: int, url: str, cookie: str) -> tuple[float, int]:
    inizio = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", porta, timeout=120)
    try:
        conn.request("GET", url, headers={"Cookie": cookie})
        risposta = conn.getresponse()
        risposta.read()
    finally:
        conn.close()
    return time.perf_counter() - inizio, risposta.status


def _attendi_server(porta: int, processo: subprocess.Popen, secondi: float = 60) -> None:
    limite = time.monotonic() + secondi
    while time.monotonic() < limite:
        if processo.poll() is not None:
            raise RuntimeError("gunicorn è terminato all'avvio.")
        try:
            with socket.create_connection(("127.0.0.1", porta), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn non risponde.")


def fase_latenza(parametri: dict) -> dict:
    """Median time of each page over gunicorn (one sync worker, as in
    production), requests interleaved so that any drift of the machine
    touches every page alike."""
    ripetizioni = parametri.get("ripetizioni", 30)
    utente = utenti()["consorzio"]
    client = Client()
    client.force_login(utente)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    rendiconto = rendiconto_principale()
    misurate = {
        "banale": URL_BANALE,
        "dashboard": "/",
        "rendiconto": reverse("rendicontazione:dettaglio", args=[rendiconto.pk]),
    }
    porta = _porta_libera()
    ambiente = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{porta}",
            "--workers",
            "1",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=ambiente,
    )
    try:
        _attendi_server(porta, server)
        stati = {}
        for nome, url in misurate.items():
            for _volta in range(3):
                _durata, stati[nome] = _richiesta(porta, url, cookie)
        tempi: dict[str, list[float]] = {nome: [] for nome in misurate}
        for _volta in range(ripetizioni):
            for nome, url in misurate.items():
                durata, stato = _richiesta(porta, url, cookie)
                tempi[nome].append(durata)
                stati[nome] = stato
    finally:
        server.terminate()
        server.wait(timeout=30)
    mediane = {nome: statistics.median(t) for nome, t in tempi.items()}
    return {
        "ripetizioni": ripetizioni,
        "ruolo": "consorzio",
        "url": misurate,
        "stati_http": stati,
        "mediane_ms": {nome: m * 1000 for nome, m in mediane.items()},
        "prestazioni_rendiconto": Prestazione.objects.filter(
            tranche__accordo=rendiconto.accordo, data__range=(rendiconto.dal, rendiconto.al)
        ).count(),
    }


# Excel


def _xlsx_grezzo(riassunto) -> bytes:
    """The same rows as the report's workbook, as bare values in openpyxl's
    write-only mode: no styles, no formulas, no summary sheet."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Prestazioni")
    for v in riassunto.prestazioni:
        ws.append(
            (
                v.data,
                v.tipo,
                v.fornitore,
                v.descrizione,
                v.tranche,
                v.laboratorio,
                v.numero_documento,
                v.valore,
                v.aliquota,
                v.quota,
                v.totale,
            )
        )
    ws = wb.create_sheet("Laboratori")
    for voce in riassunto.attivita_periodo.laboratori:
        lab, m = voce.laboratorio, voce.misure
        ws.append(
            (
                lab.titolo,
                lab.tipo,
                lab.cooperativa,
                m.sessioni_svolte,
                m.sessioni_previste,
                m.ore,
                m.partecipanti,
                m.media_presenze,
                m.quota_fidelizzati,
                m.ore_volontari,
                m.costo,
                m.costo_per_partecipante,
                m.costo_per_ora,
            )
        )
    ws = wb.create_sheet("Sessioni")
    for s in riassunto.sessioni:
        ws.append(
            (
                s.data,
                s.laboratorio,
                s.cooperativa,
                s.ora_inizio,
                s.ora_fine,
                s.ore,
                s.ore_educatori,
                s.ore_volontari,
                s.presenze,
            )
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _migliore_alternata(prove: dict, volte: int) -> tuple[dict[str, float], dict]:
    """The best CPU time of each callable, run in turn `volte` times, and
    its last result. CPU time, not wall-clock time: both sides are
    single-threaded work in this process, and other work on the machine
    would otherwise land on one side at random. The best of the runs,
    because what the noise adds is never negative."""
    tempi: dict[str, list[float]] = {nome: [] for nome in prove}
    ultimi = {}
    for _volta in range(volte):
        for nome, funzione in prove.items():
            gc.collect()
            inizio = time.process_time()
            ultimi[nome] = funzione()
            tempi[nome].append(time.process_time() - inizio)
    return {nome: min(t) for nome, t in tempi.items()}, ultimi


def _picco_mb(funzione) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        funzione()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def fase_excel(parametri: dict) -> dict:
    from rendicontazione.excel import xlsx_rendiconto

    accordo = accordo_principale()
    narrativa = Narrativa(
        attivita_svolte="Attività.", risultati="Risultati.", criticita="", prospettive=""
    )

    def periodo():
        return riepilogo(accordo, accordo.data_inizio, accordo.data_fine)

    riassunto = periodo()
    gc.collect()
    rss_prima = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    xlsx_rendiconto(riassunto, narrativa=narrativa)
    rss_dopo = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _xlsx_grezzo(riassunto)  # warm-up
    migliori, ultimi = _migliore_alternata(
        {
            "rendiconto": lambda: xlsx_rendiconto(riassunto, narrativa=narrativa),
            "grezzo": lambda: _xlsx_grezzo(riassunto),
        },
        parametri.get("ripetizioni", 3),
    )
    return {
        "prestazioni": len(riassunto.prestazioni),
        "sessioni": len(riassunto.sessioni),
        "cpu_s": migliori,
        "byte": {nome: len(contenuto) for nome, contenuto in ultimi.items()},
        "picco_export_mb": _picco_mb(lambda: xlsx_rendiconto(riassunto, narrativa=narrativa)),
        "picco_riepilogo_e_export_mb": _picco_mb(
            lambda: xlsx_rendiconto(periodo(), narrativa=narrativa)
        ),
        # ru_maxrss is in KiB on Linux: how much the process's peak grew
        # during the first export, after the summary was built.
        "rss_delta_mb": (rss_dopo - rss_prima) / 1024,
        # The whole process at its peak: interpreter, Django, the summary and
        # the export (lxml's buffers too, which tracemalloc does not see).
        "rss_processo_mb": rss_dopo / 1024,
    }


# PDF

_CSS_STATICO = """
@page { size: A4; margin: 20mm 15mm 18mm 15mm; }
body { font-family: sans-serif; line-height: 1.25; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 7.5pt; }
th, td { text-align: left; vertical-align: top; border-bottom: 0.4pt solid #999; }
th { padding: 1mm 1.2mm; }
td { padding: 0.8mm 1.2mm; overflow-wrap: break-word; }
.n { text-align: right; white-space: nowrap; }
.secondario { color: #555; }
"""

# The layout of the report's list (templates/pdf/rendiconto.css, table.elenco:
# fixed column widths, 7,5 pt type), so that both tables fill as many pages;
# no colours, no summary, chart or page headers.
_COLONNE_STATICO = (
    '<colgroup><col style="width: 9.5%"><col style="width: 12%"><col style="width: 17%"><col>'
    '<col style="width: 6%"><col style="width: 10.5%"><col style="width: 8%">'
    '<col style="width: 10.5%"></colgroup>'
)


def _css_font() -> str:
    """The report's typeface (the same files), so that both documents set
    the same glyphs: the comparison is then of everything but the table."""
    from rendicontazione.pdf import _font

    font = _font()
    if not font:
        return ""
    return (
        f'@font-face {{ font-family: "Titillium Web"; font-weight: 400; src: url("{font["regular"]}"); }}'
        f'@font-face {{ font-family: "Titillium Web"; font-weight: 600; src: url("{font["semibold"]}"); }}'
        'body { font-family: "Titillium Web", sans-serif; }'
    )


def html_statico(riassunto) -> str:
    """The report's table of prestazioni, already formatted, as a static
    page: the same rows, columns, layout and typeface, plain CSS, A4."""
    righe = []
    for p in riassunto.prestazioni:
        dettagli = " · ".join(
            x
            for x in (p.laboratorio, f"doc. n. {p.numero_documento}" if p.numero_documento else "")
            if x
        )
        secondario = f'<br><span class="secondario">{escape(dettagli)}</span>' if dettagli else ""
        righe.append(
            f'<tr><td class="n">{data_it(p.data)}</td><td>{escape(p.tipo)}</td>'
            f"<td>{escape(p.fornitore or '—')}</td><td>{escape(p.descrizione)}{secondario}</td>"
            f'<td>{escape(p.tranche)}</td><td class="n">{euro(p.valore)}</td>'
            f'<td class="n">{euro(p.quota)}</td><td class="n">{euro(p.totale)}</td></tr>'
        )
    return (
        f"<!doctype html><html lang=it><head><meta charset=utf-8><style>{_CSS_STATICO}{_css_font()}</style>"
        f"</head><body><table>{_COLONNE_STATICO}<thead><tr><th>Data</th><th>Tipo</th>"
        "<th>Fornitore</th><th>Descrizione</th><th>Tranche</th><th class=n>Valore</th>"
        "<th class=n>Quota amm.</th><th class=n>Totale</th></tr></thead>"
        f"<tbody>{''.join(righe)}</tbody></table></body></html>"
    )


def _pagine_pdf(contenuto: bytes) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:  # a test dependency: the count is only informative
        return None
    return len(PdfReader(io.BytesIO(contenuto)).pages)


def fase_pdf(parametri: dict) -> dict:
    from weasyprint import HTML

    from rendicontazione.pdf import CARTELLA_FONT, pdf_rendiconto

    rendiconto = rendiconto_principale()
    riassunto = riepilogo(rendiconto.accordo, rendiconto.dal, rendiconto.al)
    narrativa = Narrativa.del_rendiconto(rendiconto)
    statico = html_statico(riassunto)

    def rendiconto_pdf():
        return pdf_rendiconto(riassunto, narrativa=narrativa, tipo="Periodico", stato="Bozza")

    def tabella_pdf():
        return HTML(string=statico, base_url=CARTELLA_FONT.as_uri()).write_pdf()

    # Warm-up (typefaces, style sheets) on a few rows: full renders are long.
    pochi = replace(riassunto, prestazioni=riassunto.prestazioni[:20])
    pdf_rendiconto(pochi, narrativa=narrativa, tipo="Periodico", stato="Bozza")
    HTML(string=html_statico(pochi), base_url=CARTELLA_FONT.as_uri()).write_pdf()
    migliori, ultimi = _migliore_alternata(
        {"rendiconto": rendiconto_pdf, "statico": tabella_pdf}, parametri.get("ripetizioni", 2)
    )
    return {
        "prestazioni": len(riassunto.prestazioni),
        "cpu_s": migliori,
        "pagine": {nome: _pagine_pdf(contenuto) for nome, contenuto in ultimi.items()},
    }


# Concurrent writers on PostgreSQL


SCRITTORI = 8


def _scrittore(indice, righe, bloccato, barriera, coda, tranche, fornitore):
    """One writer process: its own connection, released with the others."""
    connection.close()
    connection.ensure_connection()
    aliquota = tranche.accordo.aliquota_quota_amministrativa
    errori = 0
    barriera.wait()
    inizio = time.monotonic()
    for valore, giorno, descrizione in righe:
        if bloccato:
            try:
                services.prestazione_crea(
                    tranche=tranche,
                    tipo=TipoPrestazione.SERVIZI,
                    fornitore=fornitore,
                    descrizione=descrizione,
                    data=giorno,
                    importo=valore,
                )
            except Exception:  # noqa: BLE001 - counted and reported
                errori += 1
        else:
            # One transaction per row, like the service: only the checks and
            # the lock differ.
            with transaction.atomic():
                Prestazione.objects.create(
                    tranche=tranche,
                    tipo=TipoPrestazione.SERVIZI,
                    fornitore=fornitore,
                    descrizione=descrizione,
                    data=giorno,
                    importo=valore,
                    aliquota_quota_amministrativa=aliquota,
                    quota_amministrativa=rules.quota_amministrativa(valore, aliquota),
                )
    coda.put((indice, inizio, time.monotonic(), errori))
    connection.close()


def _gara(righe_per_scrittore, bloccato, tranche, fornitore) -> dict:
    contesto = multiprocessing.get_context("fork")
    barriera = contesto.Barrier(SCRITTORI)
    coda = contesto.Queue()
    connection.close()  # never share a connection across fork
    processi = [
        contesto.Process(
            target=_scrittore,
            args=(i, righe, bloccato, barriera, coda, tranche, fornitore),
        )
        for i, righe in enumerate(righe_per_scrittore)
    ]
    for p in processi:
        p.start()
    esiti = [coda.get(timeout=600) for _p in processi]
    for p in processi:
        p.join(timeout=60)
    inizio = min(e[1] for e in esiti)
    fine = max(e[2] for e in esiti)
    righe = sum(len(r) for r in righe_per_scrittore)
    return {
        "righe": righe,
        "secondi": fine - inizio,
        "al_secondo": righe / (fine - inizio),
        "errori": sum(e[3] for e in esiti),
    }


def fase_concorrenza(parametri: dict) -> dict:
    """8 writer processes (like 8 gunicorn workers) add prestazioni to the
    same tranche: through the service, which locks the agreement's row, and
    as plain inserts of the same rows. Rounds alternate; the best round of
    each kind counts."""
    if connection.vendor != "postgresql":
        raise RuntimeError("La fase di concorrenza richiede PostgreSQL.")
    per_scrittore = parametri.get("per_scrittore", 50)
    giri = parametri.get("giri", 3)
    accordo = accordo_principale()
    tranche = accordo.tranche.order_by("data_inizio").first()
    fornitore = Ente.objects.filter(tipo=TipoEnte.FORNITORE, nome__startswith=PREFISSO).first()
    rng = random.Random(7)
    giorni = (tranche.data_fine - tranche.data_inizio).days

    def righe(giro: int, tipo: str):
        return [
            [
                (
                    Decimal(rng.randint(500, 5000)) / 100,
                    tranche.data_inizio + timedelta(days=rng.randint(0, giorni)),
                    f"{PREFISSO} Concorrenza {tipo} {giro}.{i}.{n}",
                )
                for n in range(per_scrittore)
            ]
            for i in range(SCRITTORI)
        ]

    with connection.cursor() as cursore:
        cursore.execute("SHOW server_version")
        versione = cursore.fetchone()[0]
    esiti: dict[str, list[dict]] = {"bloccato": [], "libero": []}
    for giro in range(giri):
        esiti["bloccato"].append(_gara(righe(giro, "servizio"), True, tranche, fornitore))
        esiti["libero"].append(_gara(righe(giro, "insert"), False, tranche, fornitore))
    migliori = {tipo: max(e["al_secondo"] for e in lista) for tipo, lista in esiti.items()}
    return {
        "postgresql": versione,
        "scrittori": SCRITTORI,
        "per_scrittore": per_scrittore,
        "giri": esiti,
        "al_secondo": migliori,
        "disponibile_dopo": str(stato_budget(accordo).tranche[0].disponibile),
        "prestazioni_accordo": Prestazione.objects.filter(tranche__accordo=accordo).count(),
    }


FASI = {
    "query": fase_query,
    "latenza": fase_latenza,
    "excel": fase_excel,
    "pdf": fase_pdf,
    "concorrenza": fase_concorrenza,
}
