"""`esporta_backup` / `ripristina_backup`: a backup restored into an emptied
database gives back every row (to the microsecond), every figure of
`stato_budget --json`, every report with its frozen PDF, and the receipts.

On SQLite the JSON path runs in-process; on PostgreSQL (marked `postgres`)
the pg_dump / pg_restore path runs against the test database itself. The
tests commit (transaction=True): pg_dump sees only committed rows, and
PostgreSQL cannot flush inside the test's transaction.
"""

import hashlib
import json
import stat
import tarfile
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from accordo.models import Accordo
from budget.models import Prestazione
from core.models import Utente
from gestione import backup
from rendicontazione import services
from rendicontazione.models import Invio, Rendiconto

DAL, AL = date(2024, 9, 1), date(2024, 12, 31)
RICEVUTA = b"%PDF-1.4\n% ricevuta di prova\n"

pytestmark = pytest.mark.django_db(transaction=True)


def dati_da_salvare(monkeypatch) -> list[Path]:
    """Demo data, a receipt and a report sent and approved (so a frozen PDF,
    transitions and a closed period); returns the private files created."""
    monkeypatch.setenv("DEMO_PASSWORD", "password-demo-123")
    call_command("dati_demo", "--senza-rendiconti", stdout=StringIO())
    accordo = Accordo.objects.get()
    consorzio = Utente.objects.get(username="consorzio")
    comune = Utente.objects.get(username="comune")

    prestazione = Prestazione.objects.order_by("pk").first()
    prestazione.documento.save("ricevuta-di-prova.pdf", ContentFile(RICEVUTA))

    rendiconto = services.rendiconto_salva(
        rendiconto=Rendiconto(
            accordo=accordo, dal=DAL, al=AL, attivita_svolte="Avvio dei laboratori."
        ),
        utente=consorzio,
    )
    invio = services.invia(rendiconto=rendiconto, utente=consorzio)
    services.approva(rendiconto=rendiconto, utente=comune, osservazioni="Tutto in ordine.")
    prestazione.refresh_from_db()
    return [Path(prestazione.documento.path), Path(invio.pdf.path)]


def fotografia() -> dict:
    """Everything the backup must give back, in comparable form."""
    uscita = StringIO()
    call_command("stato_budget", "--json", stdout=uscita)
    righe = {
        modello._meta.label_lower: list(modello._base_manager.order_by("pk").values())
        for modello in backup.modelli()
        # Groups are matched by name, compared below.
        if modello._meta.label_lower != "auth.group"
    }
    gruppi = {
        g.name: sorted(g.permissions.values_list("codename", flat=True))
        for g in Group.objects.all()
    }
    utenti = {
        u.username: sorted(u.groups.values_list("name", flat=True)) for u in Utente.objects.all()
    }
    return {
        "stato_budget": json.loads(uscita.getvalue()),
        "righe": righe,
        "gruppi": gruppi,
        "gruppi_utenti": utenti,
    }


def impronta(percorso: Path) -> str:
    return hashlib.sha256(percorso.read_bytes()).hexdigest()


def svuota(file_privati: list[Path]) -> None:
    call_command("flush", interactive=False, verbosity=0)
    for percorso in file_privati:
        percorso.unlink()
    assert not Accordo.objects.exists() and not Invio.objects.exists()


def controlla_ripristino(prima: dict, file_privati: list[Path], impronte: dict) -> None:
    dopo = fotografia()
    assert dopo["stato_budget"] == prima["stato_budget"]
    for etichetta in ("rendicontazione.rendiconto", "rendicontazione.invio"):
        assert dopo["righe"][etichetta] == prima["righe"][etichetta]
    assert (
        dopo["righe"]["rendicontazione.transizione"]
        == prima["righe"]["rendicontazione.transizione"]
    )
    assert dopo == prima
    for percorso in file_privati:
        assert impronta(percorso) == impronte[percorso]
    invio = Invio.objects.get()
    assert invio.pdf.read(5) == b"%PDF-"


def test_sqlite_backup_restores_every_row_figure_report_and_file(tmp_path, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("su PostgreSQL lo verifica il test marcato postgres")
    file_privati = dati_da_salvare(monkeypatch)
    prima = fotografia()
    assert prima["righe"]["rendicontazione.invio"] and prima["righe"]["laboratori.presenza"]
    assert prima["righe"]["budget.historicalprestazione"]
    impronte = {p: impronta(p) for p in file_privati}
    cartella = tmp_path / "backup"

    uscita = StringIO()
    call_command("esporta_backup", str(cartella), stdout=uscita)
    assert "Backup scritto in" in uscita.getvalue()
    svuota(file_privati)
    uscita = StringIO()
    call_command("ripristina_backup", str(cartella), stdout=uscita)

    assert "Ripristinato il backup" in uscita.getvalue()
    controlla_ripristino(prima, file_privati, impronte)


def test_backup_folder_holds_the_documented_files_readable_by_the_owner_only(tmp_path, accordo):
    cartella = tmp_path / "backup"

    # --json, so the test reads the same file on SQLite and PostgreSQL.
    call_command("esporta_backup", str(cartella), "--json", stdout=StringIO())

    nomi = {p.name for p in cartella.iterdir()}
    assert nomi == {"manifesto.json", "database.json", "allegati.tar.gz"}
    assert stat.S_IMODE(cartella.stat().st_mode) == 0o700
    for percorso in cartella.iterdir():
        assert stat.S_IMODE(percorso.stat().st_mode) == 0o600, percorso.name
    manifesto = json.loads((cartella / "manifesto.json").read_text())
    assert manifesto["motore"] == connection.vendor
    assert manifesto["conteggi"]["accordo.accordo"] == 1
    assert "core.0001_initial" in manifesto["migrazioni"]
    dati = json.loads((cartella / "database.json").read_text())
    modelli_salvati = {riga["model"] for riga in dati}
    assert "accordo.accordo" in modelli_salvati
    assert not modelli_salvati & {
        "contenttypes.contenttype",
        "auth.permission",
        "sessions.session",
        "admin.logentry",
        "axes.accessattempt",
        "axes.accesslog",
    }


def test_restore_into_a_database_with_data_needs_forza(tmp_path, accordo, monkeypatch):
    cartella = tmp_path / "backup"
    call_command("esporta_backup", str(cartella), stdout=StringIO())
    accordo.titolo = "Titolo cambiato dopo il backup"
    accordo.save()

    with pytest.raises(CommandError, match="Ripetere con --forza"):
        call_command("ripristina_backup", str(cartella), stdout=StringIO())
    assert Accordo.objects.get().titolo == "Titolo cambiato dopo il backup"

    call_command("ripristina_backup", str(cartella), "--forza", stdout=StringIO())
    assert Accordo.objects.get().titolo != "Titolo cambiato dopo il backup"


def test_backup_refuses_a_folder_that_is_not_empty(tmp_path, accordo):
    (tmp_path / "vecchio.txt").write_text("backup precedente")

    with pytest.raises(CommandError, match="non è vuota"):
        call_command("esporta_backup", str(tmp_path), stdout=StringIO())
    assert [p.name for p in tmp_path.iterdir()] == ["vecchio.txt"]


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match=r"non è un backup: manca manifesto\.json"):
        call_command("ripristina_backup", str(tmp_path), stdout=StringIO())


def test_restore_refuses_a_backup_from_a_newer_version(tmp_path, accordo):
    cartella = tmp_path / "backup"
    call_command("esporta_backup", str(cartella), stdout=StringIO())
    call_command("flush", interactive=False, verbosity=0)
    percorso = cartella / "manifesto.json"
    manifesto = json.loads(percorso.read_text())
    manifesto["migrazioni"].append("budget.9999_dal_futuro")
    percorso.write_text(json.dumps(manifesto))

    with pytest.raises(CommandError, match=r"più recente.*budget\.9999_dal_futuro"):
        call_command("ripristina_backup", str(cartella), stdout=StringIO())
    assert not Accordo.objects.exists()


def test_json_restore_refuses_a_backup_from_an_older_version(tmp_path, accordo):
    cartella = tmp_path / "backup"
    call_command("esporta_backup", str(cartella), "--json", stdout=StringIO())
    call_command("flush", interactive=False, verbosity=0)
    percorso = cartella / "manifesto.json"
    manifesto = json.loads(percorso.read_text())
    ultima = max(m for m in manifesto["migrazioni"] if m.startswith("budget."))
    manifesto["migrazioni"].remove(ultima)
    percorso.write_text(json.dumps(manifesto))

    with pytest.raises(CommandError, match="non sono quelle del backup"):
        call_command("ripristina_backup", str(cartella), stdout=StringIO())
    assert not Accordo.objects.exists()


def test_restore_refuses_an_archive_that_escapes_the_private_folder(tmp_path, accordo):
    cartella = tmp_path / "backup"
    call_command("esporta_backup", str(cartella), stdout=StringIO())
    call_command("flush", interactive=False, verbosity=0)
    fuori = tmp_path / "fuori.txt"
    fuori.write_text("x")
    with tarfile.open(cartella / "allegati.tar.gz", "w:gz") as archivio:
        archivio.add(fuori, arcname="../fuori-dalla-cartella.txt")

    with pytest.raises(CommandError, match="non utilizzabile"):
        call_command("ripristina_backup", str(cartella), stdout=StringIO())
    assert not (Path(settings.PRIVATE_MEDIA_ROOT).parent / "fuori-dalla-cartella.txt").exists()
    # Refused before the database was touched.
    assert not Accordo.objects.exists()


@pytest.mark.postgres
@pytest.mark.parametrize("formato", ["pg_dump", "json"])
def test_postgresql_backup_restores_every_row_figure_report_and_file(
    tmp_path, monkeypatch, formato
):
    if connection.vendor != "postgresql":
        pytest.skip("serve PostgreSQL (DATABASE_URL=postgres://...)")
    file_privati = dati_da_salvare(monkeypatch)
    prima = fotografia()
    impronte = {p: impronta(p) for p in file_privati}
    cartella = tmp_path / "backup"
    opzioni = ["--json"] if formato == "json" else []

    call_command("esporta_backup", str(cartella), *opzioni, stdout=StringIO())
    atteso = "database.dump" if formato == "pg_dump" else "database.json"
    assert (cartella / atteso).is_file()
    svuota(file_privati)
    call_command("ripristina_backup", str(cartella), stdout=StringIO())

    controlla_ripristino(prima, file_privati, impronte)
