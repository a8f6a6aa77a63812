"""Backup and restore of the database and of the private attachments.

A backup is a folder that holds:

    manifesto.json   what was saved: format, engine, migrations, rows per table
    database.dump    on PostgreSQL: pg_dump in custom format, restored by pg_restore
    database.json    otherwise (or with --json): every row as a Django fixture,
                     restored by loaddata into a migrated database
    allegati.tar.gz  the files under PRIVATE_MEDIA_ROOT: receipts and the PDFs
                     frozen with each submitted report

The commands `esporta_backup` and `ripristina_backup` are thin shells around
these functions.
"""

import datetime
import json
import os
import shutil
import subprocess
import tarfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.cache import cache
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMATO = 1
MANIFESTO = "manifesto.json"
DUMP_PG = "database.dump"
DUMP_JSON = "database.json"
ALLEGATI = "allegati.tar.gz"

# Left out of the JSON backup: rebuilt by `migrate` (content types,
# permissions), short-lived (sessions, login attempts and their log), or
# pointing at content-type ids that differ between databases (admin log; the
# records' own history is kept by django-simple-history).
MODELLI_ESCLUSI = {
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    "admin.logentry",
}
APP_ESCLUSE = {"axes"}
# `migrate` recreates the role groups (core.ruoli): the backup's groups are
# matched to them by name, not by id.
CHIAVE_NATURALE = {"auth.group"}
# Their permissions are referenced by (codename, app, model), since permission
# ids differ between databases.
RIFERIMENTI_NATURALI = {"auth.group", "core.utente"}
# Rows that a freshly migrated database already has.
CREATI_DA_MIGRATE = {"auth.group"}


class ErroreBackup(Exception):
    """A backup or restore that cannot go on; the message is in Italian."""


class _CodificatoreCompleto(DjangoJSONEncoder):
    # Django's encoder cuts datetimes to milliseconds; a backup gives back
    # exactly what it took, to the microsecond.
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def modelli(using: str = DEFAULT_DB_ALIAS) -> list:
    """The models whose rows a backup holds, parents before children."""
    elenco = [
        (app_config, None)
        for app_config in apps.get_app_configs()
        if app_config.label not in APP_ESCLUSE and app_config.models_module is not None
    ]
    return [
        modello
        for modello in serializers.sort_dependencies(elenco, allow_cycles=True)
        if modello._meta.label_lower not in MODELLI_ESCLUSI
        and not modello._meta.proxy
        and modello._meta.managed
        and router.allow_migrate_model(using, modello)
    ]


def conteggi(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows per table, for the tables that exist in the database."""
    tabelle = set(connections[using].introspection.table_names())
    return {
        m._meta.label_lower: m._base_manager.using(using).count()
        for m in modelli(using)
        if m._meta.db_table in tabelle
    }


def migrazioni_applicate(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return []
    return sorted(f"{app}.{nome}" for app, nome in recorder.applied_migrations())


def migrazioni_mancanti(using: str = DEFAULT_DB_ALIAS) -> int:
    """How many migrations of the code the database has not applied."""
    connection = connections[using]
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _versione_applicazione() -> str:
    try:
        return version("accordi-terzo-settore")
    except PackageNotFoundError:
        return "sconosciuta"


# --- PostgreSQL -----------------------------------------------------------------


def programma_postgresql(nome: str) -> str:
    """pg_dump / pg_restore: from PATH, else the newest in /usr/lib/postgresql."""
    trovato = shutil.which(nome)
    if trovato:
        return trovato
    installati = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{nome}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if installati:
        return str(installati[-1])
    raise ErroreBackup(
        f"Programma {nome} non trovato: installare il client PostgreSQL (pacchetto "
        "postgresql-client) o aggiungerne la cartella al PATH."
    )


def _ambiente_postgresql(using: str) -> dict[str, str]:
    # Connection details travel in the environment, so the password never
    # appears in the process list.
    dati = connections[using].settings_dict
    ambiente = dict(os.environ)
    for variabile, valore in (
        ("PGHOST", dati.get("HOST")),
        ("PGPORT", dati.get("PORT")),
        ("PGUSER", dati.get("USER")),
        ("PGPASSWORD", dati.get("PASSWORD")),
        ("PGDATABASE", dati.get("NAME")),
        ("PGSSLMODE", (dati.get("OPTIONS") or {}).get("sslmode")),
    ):
        if valore:
            ambiente[variabile] = str(valore)
    return ambiente


def _esegui(comando: list[str], ambiente: dict[str, str]) -> None:
    esito = subprocess.run(comando, env=ambiente, capture_output=True, text=True, check=False)  # noqa: S603
    if esito.returncode != 0:
        raise ErroreBackup(
            f"{Path(comando[0]).name} non riuscito (codice {esito.returncode}):\n"
            f"{esito.stderr.strip()}"
        )


def _pg_dump(destinazione: Path, using: str, snapshot: str | None) -> None:
    comando = [
        programma_postgresql("pg_dump"),
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--file={destinazione}",
    ]
    if snapshot:
        comando.append(f"--snapshot={snapshot}")
    _esegui(comando, _ambiente_postgresql(using))


def _pg_restore(sorgente: Path, using: str) -> None:
    connessione = connections[using]
    nome = connessione.settings_dict["NAME"]
    # pg_restore drops and recreates the tables: our own connection must not
    # hold a lock on them.
    connessione.close()
    _esegui(
        [
            programma_postgresql("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={nome}",
            str(sorgente),
        ],
        _ambiente_postgresql(using),
    )


# --- JSON (any database) --------------------------------------------------------


def _scrivi_json(destinazione: Path, using: str) -> None:
    righe = []
    for modello in modelli(using):
        etichetta = modello._meta.label_lower
        oggetti = modello._base_manager.using(using).order_by(modello._meta.pk.name)
        righe.extend(
            serializers.serialize(
                "python",
                oggetti.iterator(),
                use_natural_foreign_keys=etichetta in RIFERIMENTI_NATURALI,
                use_natural_primary_keys=etichetta in CHIAVE_NATURALE,
            )
        )
    with destinazione.open("w", encoding="utf-8") as file:
        json.dump(righe, file, cls=_CodificatoreCompleto, ensure_ascii=False, indent=1)


# --- attachments ----------------------------------------------------------------


def _archivia_allegati(destinazione: Path) -> int:
    radice = Path(settings.PRIVATE_MEDIA_ROOT)
    with tarfile.open(destinazione, "w:gz") as archivio:
        if radice.is_dir():
            for figlio in sorted(radice.iterdir()):
                archivio.add(figlio, arcname=figlio.name)
    return _file_nell_archivio(destinazione)


def _file_nell_archivio(archivio: Path) -> int:
    with tarfile.open(archivio, "r:gz") as tar:
        return sum(1 for membro in tar.getmembers() if membro.isfile())


def _controlla_allegati(sorgente: Path) -> None:
    """Refuse an unreadable archive, or one with paths out of the private
    folder, before anything is changed."""
    radice = str(Path(settings.PRIVATE_MEDIA_ROOT))
    try:
        with tarfile.open(sorgente, "r:gz") as archivio:
            for membro in archivio.getmembers():
                tarfile.data_filter(membro, radice)
    except (tarfile.TarError, OSError) as exc:
        raise ErroreBackup(f"Archivio degli allegati {sorgente} non utilizzabile: {exc}") from exc


def _estrai_allegati(sorgente: Path) -> int:
    radice = Path(settings.PRIVATE_MEDIA_ROOT)
    radice.mkdir(parents=True, exist_ok=True)
    with tarfile.open(sorgente, "r:gz") as archivio:
        # The "data" filter refuses absolute paths, links out of the folder and
        # device files, and drops the archive's owners.
        archivio.extractall(radice, filter="data")
    return _file_nell_archivio(sorgente)


# --- the two operations ---------------------------------------------------------


def esporta(cartella: Path, *, using: str = DEFAULT_DB_ALIAS, json_sempre: bool = False) -> dict:
    """Write a backup into `cartella` (new or empty) and return its manifest."""
    if cartella.exists() and (not cartella.is_dir() or any(cartella.iterdir())):
        raise ErroreBackup(
            f"La cartella {cartella} esiste e non è vuota: indicare una cartella nuova, così "
            "nessun backup precedente viene sovrascritto."
        )
    # Backups hold everything the application holds: readable by their owner only.
    cartella.mkdir(mode=0o700, parents=True, exist_ok=True)
    connessione = connections[using]
    postgresql = connessione.vendor == "postgresql" and not json_sempre
    file_database = DUMP_PG if postgresql else DUMP_JSON
    vecchia_umask = os.umask(0o077)
    try:
        if postgresql and not connessione.in_atomic_block:
            # One snapshot for the counts and for pg_dump, so the manifest
            # describes exactly what was dumped even while users keep working.
            with transaction.atomic(using=using), connessione.cursor() as cursore:
                cursore.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursore.execute("SELECT pg_export_snapshot()")
                snapshot = cursore.fetchone()[0]
                righe = conteggi(using)
                _pg_dump(cartella / file_database, using, snapshot)
        elif postgresql:
            righe = conteggi(using)
            _pg_dump(cartella / file_database, using, None)
        else:
            with transaction.atomic(using=using):
                righe = conteggi(using)
                _scrivi_json(cartella / file_database, using)
        allegati = _archivia_allegati(cartella / ALLEGATI)
        manifesto = {
            "formato": FORMATO,
            "creato_il": timezone.now().isoformat(),
            "applicazione": _versione_applicazione(),
            "django": django.get_version(),
            "motore": connessione.vendor,
            "database": file_database,
            "allegati": ALLEGATI,
            "file_allegati": allegati,
            "migrazioni": migrazioni_applicate(using),
            "conteggi": righe,
        }
        with (cartella / MANIFESTO).open("w", encoding="utf-8") as file:
            json.dump(manifesto, file, ensure_ascii=False, indent=2)
    finally:
        os.umask(vecchia_umask)
    return manifesto


def leggi_manifesto(cartella: Path) -> dict:
    percorso = cartella / MANIFESTO
    if not percorso.is_file():
        raise ErroreBackup(f"{cartella} non è un backup: manca {MANIFESTO}.")
    manifesto = json.loads(percorso.read_text(encoding="utf-8"))
    if manifesto.get("formato") != FORMATO:
        raise ErroreBackup(
            f"Formato di backup {manifesto.get('formato')!r} non riconosciuto (atteso {FORMATO})."
        )
    for nome in (manifesto["database"], manifesto["allegati"]):
        if not (cartella / nome).is_file():
            raise ErroreBackup(f"Backup incompleto: manca {cartella / nome}.")
    return manifesto


def righe_presenti(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows that would be replaced, leaving out what `migrate` itself creates."""
    return {
        etichetta: numero
        for etichetta, numero in conteggi(using).items()
        if numero and etichetta not in CREATI_DA_MIGRATE
    }


def ripristina(cartella: Path, *, using: str = DEFAULT_DB_ALIAS, forza: bool = False) -> dict:
    """Replace the database's content and add the attachments from a backup."""
    manifesto = leggi_manifesto(cartella)
    _controlla_allegati(cartella / manifesto["allegati"])
    connessione = connections[using]
    conosciute = {
        f"{app}.{nome}"
        for app, nome in MigrationLoader(connessione, ignore_no_migrations=True).graph.nodes
    }
    sconosciute = sorted(set(manifesto["migrazioni"]) - conosciute)
    if sconosciute:
        raise ErroreBackup(
            "Il backup viene da una versione più recente dell'applicazione ("
            f"{manifesto.get('applicazione')}): queste migrazioni non esistono nel codice "
            f"installato: {', '.join(sconosciute[:5])}{', ...' if len(sconosciute) > 5 else ''}. "
            "Aggiornare l'applicazione prima di ripristinare."
        )
    presenti = righe_presenti(using)
    if presenti and not forza:
        esempi = ", ".join(f"{e} ({n})" for e, n in sorted(presenti.items())[:5])
        raise ErroreBackup(
            f"Il database contiene già dati ({esempi}{', ...' if len(presenti) > 5 else ''}): il "
            "ripristino li sostituirebbe tutti. Ripetere con --forza per procedere."
        )

    if manifesto["database"] == DUMP_PG:
        if connessione.vendor != "postgresql":
            raise ErroreBackup(
                "Questo backup è un pg_dump di PostgreSQL: si ripristina solo su PostgreSQL "
                "(DATABASE_URL=postgres://...)."
            )
        _pg_restore(cartella / DUMP_PG, using)
    else:
        attuali = migrazioni_applicate(using)
        if not attuali:
            raise ErroreBackup("Database senza tabelle: eseguire prima `manage.py migrate`.")
        # Only the apps whose rows are in the file matter (not axes or sessions).
        app_salvate = {etichetta.split(".", 1)[0] for etichetta in manifesto["conteggi"]}

        def delle_app_salvate(migrazioni):
            return {m for m in migrazioni if m.split(".", 1)[0] in app_salvate}

        differenze = sorted(delle_app_salvate(manifesto["migrazioni"]) ^ delle_app_salvate(attuali))
        if differenze:
            raise ErroreBackup(
                "Le migrazioni del database non sono quelle del backup ("
                + ", ".join(differenze[:5])
                + (", ..." if len(differenze) > 5 else "")
                + "): ripristinare con la versione dell'applicazione che ha fatto il backup ("
                f"{manifesto.get('applicazione')}), poi aggiornare con `manage.py migrate`."
            )
        with transaction.atomic(using=using):
            if presenti:
                call_command("flush", interactive=False, database=using, verbosity=0)
            call_command("loaddata", str(cartella / DUMP_JSON), database=using, verbosity=0)
    ContentType.objects.clear_cache()
    # Cached figures (the report pages', core.impronta) are keyed by the
    # newest history ids, which a restore may bring back with other data.
    # This empties this process's cache (or a shared one); running servers
    # with a per-process cache are restarted after a restore.
    cache.clear()

    ottenute = conteggi(using)
    diverse = {
        etichetta: (numero, ottenute.get(etichetta))
        for etichetta, numero in manifesto["conteggi"].items()
        if ottenute.get(etichetta) != numero
    }
    if diverse:
        raise ErroreBackup(
            "Il ripristino non corrisponde al backup (tabella: attese, trovate): "
            + "; ".join(f"{e}: {a}, {t}" for e, (a, t) in sorted(diverse.items()))
        )
    file_allegati = _estrai_allegati(cartella / ALLEGATI)
    return {
        "manifesto": manifesto,
        "righe": sum(ottenute.values()),
        "tabelle": len(ottenute),
        "file_allegati": file_allegati,
        "migrazioni_mancanti": migrazioni_mancanti(using),
    }
