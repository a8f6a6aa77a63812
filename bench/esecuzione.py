"""`manage.py bench`: build the scale databases, run each phase of
bench.fasi in a process of its own, and print the report.

Every database is a throw-away one: SQLite files in a temporary folder
(migrated once, then copied) and, for the concurrency figure, a database
created on the PostgreSQL server given by BENCH_POSTGRES_URL (scripts/bench.sh
starts one) and dropped afterwards.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from bench.macchina import descrizione
from bench.scala import dimensioni
from core.formati import numero

# Targets of the issue.
QUERY_MASSIME = 15
LATENZA_MASSIMA = Decimal("3")
EXCEL_MASSIMO = Decimal("1.3")
EXCEL_MEMORIA_MB = Decimal("150")
PDF_MASSIMO = Decimal("1.5")
CONCORRENZA_MINIMA = Decimal("0.5")


def _n(valore: float, decimali: int = 2) -> str:
    return numero(Decimal(str(valore)), decimali)


class Avanzamento:
    """Progress lines on stderr, so that stdout holds only the report."""

    def __init__(self, scrivi: Callable[[str], None]):
        self.scrivi = scrivi
        self.inizio = time.monotonic()

    def __call__(self, testo: str) -> None:
        self.scrivi(f"[{time.monotonic() - self.inizio:6.1f} s] {testo}")


@dataclass
class Opzioni:
    fattori: tuple[float, float] = (1, 10)
    postgres_url: str | None = None
    ripetizioni_latenza: int = 30
    conserva: bool = False


def _sqlite(percorso: Path) -> str:
    return f"sqlite:///{percorso}"


def _manage(*argomenti: str, database: str, timeout: int = 900) -> str:
    """Run manage.py with the benchmark settings on `database`."""
    ambiente = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_DATABASE_URL": database,
        "DJANGO_READ_DOT_ENV": "false",
        "PYTHONHASHSEED": "0",
    }
    esito = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "manage.py", *argomenti],
        cwd=settings.BASE_DIR,
        env=ambiente,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if esito.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(argomenti)} non è riuscito (codice {esito.returncode}):\n"
            f"{esito.stdout}\n{esito.stderr}"
        )
    return esito.stdout.strip()


def _fase(nome: str, database: str, cartella: Path, **parametri) -> dict:
    uscita = cartella / f"fase-{nome}-{time.monotonic_ns()}.json"
    _manage(
        "bench",
        "--fase",
        nome,
        "--parametri",
        json.dumps(parametri),
        "--uscita",
        str(uscita),
        database=database,
    )
    return json.loads(uscita.read_text())


def _genera(database: str, avanza: Avanzamento, *argomenti: str) -> dict:
    avanza(f"genera_dati_scala {' '.join(argomenti)}")
    inizio = time.monotonic()
    testo = _manage("genera_dati_scala", *argomenti, database=database)
    return {"secondi": time.monotonic() - inizio, "messaggio": testo}


class _Postgres:
    """A database of its own on the given server, dropped at the end."""

    def __init__(self, url: str):
        import psycopg

        self.psycopg = psycopg
        self.url = url
        self.nome = f"accordi_bench_{os.getpid()}"
        parti = urlsplit(url)
        self.url_bench = urlunsplit(parti._replace(path=f"/{self.nome}"))

    def _esegui(self, sql: str) -> None:
        base = self.url.replace("postgres://", "postgresql://", 1)
        with self.psycopg.connect(base, autocommit=True) as conn:
            conn.execute(sql)

    def __enter__(self) -> str:
        self._esegui(f'DROP DATABASE IF EXISTS "{self.nome}"')
        self._esegui(f'CREATE DATABASE "{self.nome}"')
        return self.url_bench

    def __exit__(self, *exc) -> None:
        self._esegui(f'DROP DATABASE IF EXISTS "{self.nome}" WITH (FORCE)')


def esegui(opzioni: Opzioni, avanza: Avanzamento) -> dict:
    risultati: dict = {"macchina": descrizione(), "opzioni": opzioni.__dict__ | {}}
    risultati["opzioni"].pop("postgres_url", None)
    cartella = Path(tempfile.mkdtemp(prefix="accordi-bench-"))
    try:
        avanza("database vuoto (migrate)")
        vuoto = cartella / "vuoto.sqlite3"
        _manage("migrate", "--noinput", "-v0", database=_sqlite(vuoto))

        database = {}
        risultati["dati"] = {}
        for fattore in opzioni.fattori:
            percorso = cartella / f"fattore-{fattore}.sqlite3"
            shutil.copy(vuoto, percorso)
            database[fattore] = _sqlite(percorso)
            risultati["dati"][str(fattore)] = _genera(
                database[fattore], avanza, "--fattore", str(fattore)
            ) | {"dimensioni": dimensioni(fattore).__dict__}

        risultati["query"] = {}
        for fattore in opzioni.fattori:
            avanza(f"conteggio delle query, fattore {fattore}")
            risultati["query"][str(fattore)] = _fase("query", database[fattore], cartella)

        piccolo = opzioni.fattori[0]
        avanza(f"latenza su gunicorn, fattore {piccolo}")
        risultati["latenza"] = {
            "SQLite": _fase(
                "latenza", database[piccolo], cartella, ripetizioni=opzioni.ripetizioni_latenza
            )
            | {"fattore": piccolo}
        }

        avanza(f"PDF di un periodo, fattore {piccolo}")
        risultati["pdf"] = _fase("pdf", database[piccolo], cartella)

        # One agreement holding all the prestazioni of factor 1: its whole
        # duration is a period with 10.000 prestazioni.
        percorso = cartella / "excel.sqlite3"
        shutil.copy(vuoto, percorso)
        risultati["dati"]["excel"] = _genera(
            _sqlite(percorso), avanza, "--fattore", "1", "--accordi", "1"
        )
        avanza("export Excel")
        risultati["excel"] = _fase("excel", _sqlite(percorso), cartella)

        if opzioni.postgres_url:
            with _Postgres(opzioni.postgres_url) as url:
                avanza("PostgreSQL: migrate")
                _manage("migrate", "--noinput", "-v0", database=url)
                risultati["dati"]["postgresql"] = _genera(url, avanza, "--fattore", str(piccolo))
                # Before the writers add their rows to the report's period.
                avanza(f"PostgreSQL: latenza su gunicorn, fattore {piccolo}")
                risultati["latenza"]["PostgreSQL"] = _fase(
                    "latenza", url, cartella, ripetizioni=opzioni.ripetizioni_latenza
                ) | {"fattore": piccolo}
                avanza("PostgreSQL: scrittori concorrenti")
                risultati["concorrenza"] = _fase("concorrenza", url, cartella)
        else:
            risultati["concorrenza"] = None
    finally:
        if opzioni.conserva:
            avanza(f"database conservati in {cartella}")
        else:
            shutil.rmtree(cartella, ignore_errors=True)
    avanza("fatto")
    return risultati


# The report


def _esito(ok: bool) -> str:
    return "OK" if ok else "NO"


def rapporto(r: dict) -> str:
    m = r["macchina"]
    righe = [
        "Benchmark - accordi di collaborazione",
        "",
        f"Macchina: {m['sistema']}",
        f"  CPU {m['cpu']}, {m['core']} core, RAM {m['ram']}, carico medio all'avvio "
        f"{m['carico']} (1, 5, 15 min)",
        f"  Python {m['python']}, Django {m['django']}, SQLite {m['sqlite']}"
        + (f", PostgreSQL {r['concorrenza']['postgresql']}" if r.get("concorrenza") else ""),
        "",
        "Dati (genera_dati_scala, SQLite):",
    ]
    for chiave, dati in r["dati"].items():
        righe.append(f"  {chiave:>10}: {dati['messaggio']} [{_n(dati['secondi'], 1)} s totali]")

    tabella: list[tuple[str, str, str, str]] = []
    dettagli: list[str] = []

    piccolo, grande = (str(f) for f in r["opzioni"]["fattori"])
    voci_piccolo = {(v["nome"], v["ruolo"]): v for v in r["query"][piccolo]["voci"]}
    for voce in r["query"][grande]["voci"]:
        chiave = (voce["nome"], voce["ruolo"])
        prima = voci_piccolo[chiave]
        nome = f"Query {voce['nome']}" + (f" ({voce['ruolo']})" if voce["ruolo"] != "-" else "")
        if voce["query"] is None:
            tabella.append((nome, "pagina non presente", f"<= {QUERY_MASSIME}, uguali", "-"))
            continue
        uguali = prima["query"] == voce["query"]
        ok = uguali and max(prima["query"], voce["query"]) <= QUERY_MASSIME
        stato = ""
        if voce.get("stato_http") not in (None, 200):
            stato = f" [HTTP {voce['stato_http']}]"
        in_cache = voce.get("query_in_cache")
        if in_cache is not None and in_cache != voce["query"]:
            stato += f" (con la cache: {in_cache})"
        tabella.append(
            (
                nome,
                f"N={piccolo}: {prima['query']}, N={grande}: {voce['query']}{stato}",
                f"<= {QUERY_MASSIME}, uguali",
                _esito(ok),
            )
        )
        if not ok:
            dettagli.append(f"{nome}, a N={grande}:")
            if voce["ripetute"]:
                dettagli.extend(
                    f"    ripetuta {n} volte: {sql[:200]}" for n, sql in voce["ripetute"]
                )
            else:
                dettagli.extend(f"    {sql}" for sql in voce["elenco"])

    for database, lat in r["latenza"].items():
        mediane = lat["mediane_ms"]
        for nome, etichetta in (
            ("dashboard", "dashboard"),
            ("rendiconto", "pagina del rendiconto"),
        ):
            rapporto_lat = mediane[nome] / mediane["banale"]
            stato = lat["stati_http"][nome]
            tabella.append(
                (
                    f"Latenza {etichetta} / vista banale (N={lat['fattore']}, {database})",
                    f"{_n(rapporto_lat)} ({_n(mediane[nome], 1)} / {_n(mediane['banale'], 1)} ms)"
                    + (f" [HTTP {stato}]" if stato != 200 else ""),
                    f"<= {_n(LATENZA_MASSIMA, 0)}",
                    _esito(Decimal(str(rapporto_lat)) <= LATENZA_MASSIMA),
                )
            )

    ex = r["excel"]
    rapporto_ex = ex["cpu_s"]["rendiconto"] / ex["cpu_s"]["grezzo"]
    tabella.append(
        (
            f"Excel di {ex['prestazioni']:,} prestazioni / openpyxl grezzo".replace(",", "."),
            f"{_n(rapporto_ex)} ({_n(ex['cpu_s']['rendiconto'])} / "
            f"{_n(ex['cpu_s']['grezzo'])} s di CPU)",
            f"<= {_n(EXCEL_MASSIMO, 1)}",
            _esito(Decimal(str(rapporto_ex)) <= EXCEL_MASSIMO),
        )
    )
    picco = ex["picco_riepilogo_e_export_mb"]
    tabella.append(
        (
            "Excel: picco di memoria (riepilogo + export)",
            f"{_n(picco, 1)} MB (solo export {_n(ex['picco_export_mb'], 1)} MB; processo "
            f"{_n(ex['rss_processo_mb'], 0)} MB, +{_n(ex['rss_delta_mb'], 1)} per l'export)",
            f"< {_n(EXCEL_MEMORIA_MB, 0)} MB",
            _esito(Decimal(str(picco)) < EXCEL_MEMORIA_MB),
        )
    )

    pdf = r["pdf"]
    rapporto_pdf = pdf["cpu_s"]["rendiconto"] / pdf["cpu_s"]["statico"]
    tabella.append(
        (
            f"PDF di {pdf['prestazioni']:,} prestazioni / HTML statico".replace(",", "."),
            f"{_n(rapporto_pdf)} ({_n(pdf['cpu_s']['rendiconto'])} / "
            f"{_n(pdf['cpu_s']['statico'])} s di CPU; pagine {pdf['pagine']['rendiconto']} / "
            f"{pdf['pagine']['statico']})",
            f"<= {_n(PDF_MASSIMO, 1)}",
            _esito(Decimal(str(rapporto_pdf)) <= PDF_MASSIMO),
        )
    )

    conc = r.get("concorrenza")
    if conc:
        velocita = conc["al_secondo"]
        rapporto_conc = velocita["bloccato"] / velocita["libero"]
        errori = sum(g["errori"] for g in conc["giri"]["bloccato"])
        tabella.append(
            (
                f"PostgreSQL, {conc['scrittori']} scrittori: servizio con lock / insert",
                f"{_n(rapporto_conc)} ({_n(velocita['bloccato'], 0)} / "
                f"{_n(velocita['libero'], 0)} prestazioni/s)"
                + (f" [{errori} rifiutate]" if errori else ""),
                f">= {_n(CONCORRENZA_MINIMA, 1)}",
                _esito(Decimal(str(rapporto_conc)) >= CONCORRENZA_MINIMA and not errori),
            )
        )
    else:
        tabella.append(
            (
                "PostgreSQL, scrittori concorrenti",
                "non misurato: nessun server PostgreSQL (BENCH_POSTGRES_URL)",
                f">= {_n(CONCORRENZA_MINIMA, 1)}",
                "-",
            )
        )

    larghezze = [max(len(riga[i]) for riga in tabella) for i in range(4)]
    intestazione = ("Misura", "Valore", "Obiettivo", "Esito")
    larghezze = [max(a, len(b)) for a, b in zip(larghezze, intestazione, strict=True)]
    righe += ["", "  ".join(t.ljust(w) for t, w in zip(intestazione, larghezze, strict=True))]
    righe.append("  ".join("-" * w for w in larghezze))
    righe += [
        "  ".join(t.ljust(w) for t, w in zip(riga, larghezze, strict=True)) for riga in tabella
    ]
    mancati = sum(1 for riga in tabella if riga[3] == "NO")
    righe += ["", f"Obiettivi mancati: {mancati} su {sum(1 for x in tabella if x[3] != '-')}."]
    if dettagli:
        righe += ["", "Dettaglio delle pagine fuori obiettivo:", *dettagli]
    return "\n".join(righe)
