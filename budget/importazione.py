"""Import of prestazioni from a CSV or XLSX file: the reusable core.

Used by the `importa_prestazioni` command (and, later, by a web page).
All or nothing: every row goes through budget.services.prestazione_crea,
the same service the admin uses, inside one transaction; when any row is
invalid, or the rows together break a rule, everything is rolled back and
every problem is reported with its row number (the header is row 1).

The file is judged by its content, not by its name: an XLSX is a zip
archive, anything else must be readable text (UTF-8, with or without BOM,
UTF-16 with BOM, or Windows-1252) with `;`, `,` or tab as separator.
"""

import csv
import io
import os
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction

from accordo.models import Accordo, Ente, TipoEnte
from accordo.validators import normalizza_codice, valida_partita_iva
from budget import rules, services
from budget.models import Prestazione, TipoPrestazione
from core.formati import ImportoNonValido, data_it, numero, parse_data, parse_importo

MAX_BYTE = 5 * 1024 * 1024
MAX_RIGHE = 5000
# Physical rows (blank ones included) read at most: bounds the work on a
# sheet whose last used row is far below its data.
MAX_RIGHE_FISICHE = 20000
MAX_COLONNE = 50
# Uncompressed size of an XLSX at most: refuses "zip bombs" before parsing.
MAX_BYTE_XLSX_ESPANSO = 100 * 1024 * 1024

COLONNE_OBBLIGATORIE = ("data", "tipo", "fornitore", "partita_iva", "descrizione", "importo")
COLONNE_FACOLTATIVE = ("numero_documento", "laboratorio")
COLONNE_AMMESSE = COLONNE_OBBLIGATORIE + COLONNE_FACOLTATIVE

FIRMA_ZIP = b"PK\x03\x04"
FILE_ILLEGGIBILE = (
    "Il file non è un CSV o un XLSX leggibile: salvarlo da Excel o LibreOffice come "
    "«CSV (delimitato dal separatore di elenco)» o come «Cartella di lavoro Excel (.xlsx)»."
)
INTESTAZIONE_ATTESA = (
    ", ".join(COLONNE_OBBLIGATORIE) + " (facoltative: " + (", ".join(COLONNE_FACOLTATIVE) + ")")
)


class FileNonValido(Exception):
    """A problem with the whole file (not with one row): nothing can be read."""


@dataclass
class EsitoImportazione:
    """What an import did, or would do (dry run), and why it was refused.

    `errori` holds (row number, message); the row number is None for a
    problem with the whole file. When `errori` is not empty nothing was
    written; in a dry run nothing is written either way, and `prestazioni`
    holds the prestazioni that would be created (rolled back, pk None).
    """

    righe_lette: int = 0
    prestazioni: list[Prestazione] = field(default_factory=list)
    errori: list[tuple[int | None, str]] = field(default_factory=list)
    avvisi: list[tuple[int | None, str]] = field(default_factory=list)
    fornitori_creati: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def riuscita(self) -> bool:
        return not self.errori

    @property
    def totale_valore(self) -> Decimal:
        return sum((p.importo for p in self.prestazioni), rules.ZERO)

    @property
    def totale_quote(self) -> Decimal:
        return sum((p.quota_amministrativa for p in self.prestazioni), rules.ZERO)

    @property
    def totale_addebitato(self) -> Decimal:
        return sum((p.totale_addebitato for p in self.prestazioni), rules.ZERO)


def descrivi(numero_riga: int | None, messaggio: str) -> str:
    """`(4, "La partita IVA ...")` -> `"Riga 4: la partita IVA ..."`."""
    if numero_riga is None:
        return messaggio
    return f"Riga {numero_riga}: {_minuscola(messaggio)}"


def _minuscola(messaggio: str) -> str:
    """Lower the first letter after "Riga N:", unless it starts an acronym (IVA)."""
    if len(messaggio) > 1 and messaggio[0].isupper() and not messaggio[1].isupper():
        return messaggio[0].lower() + messaggio[1:]
    return messaggio


# Reading the file


def _leggi_byte(file) -> bytes:
    """The file's bytes, from a path, bytes or a file-like object, at most MAX_BYTE."""
    troppo_grande = FileNonValido(
        f"Il file supera il limite di {MAX_BYTE // 1024 // 1024} MB: dividerlo in più file."
    )
    if isinstance(file, bytes | bytearray):
        dati = bytes(file)
    elif isinstance(file, str | os.PathLike):
        try:
            if os.path.getsize(file) > MAX_BYTE:
                raise troppo_grande
            with open(file, "rb") as origine:
                dati = origine.read(MAX_BYTE + 1)
        except FileNotFoundError as exc:
            raise FileNonValido(f"Il file «{file}» non esiste.") from exc
        except IsADirectoryError as exc:
            raise FileNonValido(f"«{file}» è una cartella, non un file.") from exc
        except OSError as exc:
            raise FileNonValido(f"Impossibile leggere il file «{file}»: {exc.strerror}.") from exc
    else:
        if getattr(file, "size", None) is not None and file.size > MAX_BYTE:
            raise troppo_grande
        if hasattr(file, "seek"):
            file.seek(0)
        dati = file.read(MAX_BYTE + 1)
        if isinstance(dati, str):
            dati = dati.encode("utf-8")
    if len(dati) > MAX_BYTE:
        raise troppo_grande
    return dati


def _righe_file(dati: bytes) -> Iterator[tuple[int, list]]:
    """(row number, cells) for every row of the file, blank ones included."""
    if not dati.strip():
        raise FileNonValido("Il file è vuoto.")
    if dati.startswith(FIRMA_ZIP):
        return _righe_xlsx(dati)
    return _righe_csv(_testo(dati))


# Control characters (except tab and newlines), private-use and undecodable
# characters: plenty of them in binary data, next to none in a real CSV.
_NON_TESTO = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")


def _testo(dati: bytes) -> str:
    """Decode a CSV, refusing what is clearly not text (binary data, images)."""
    if dati.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            testo = dati.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FileNonValido(FILE_ILLEGGIBILE) from exc
    else:
        if b"\x00" in dati:
            raise FileNonValido(FILE_ILLEGGIBILE)
        try:
            testo = dati.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Older Excel versions save CSV in the Windows code page.
            testo = dati.decode("cp1252", errors="replace")
    testo = testo.removeprefix("\ufeff")
    if len(_NON_TESTO.findall(testo)) > max(2, len(testo) // 1000):
        raise FileNonValido(FILE_ILLEGGIBILE)
    return testo


def _separatore(testo: str) -> str:
    """`;` (Italian Excel), `,` or tab: the one that splits the header most."""
    prima = next((riga for riga in testo.splitlines() if riga.strip()), "")
    conteggi = {sep: prima.count(sep) for sep in (";", ",", "\t")}
    migliore = max(conteggi, key=lambda sep: conteggi[sep])
    return migliore if conteggi[migliore] else ";"


def _righe_csv(testo: str) -> Iterator[tuple[int, list]]:
    lettore = csv.reader(io.StringIO(testo, newline=""), delimiter=_separatore(testo))
    try:
        yield from enumerate(lettore, start=1)
    except csv.Error as exc:
        raise FileNonValido(
            f"Il file CSV non è leggibile alla riga {lettore.line_num}: controllare le "
            "virgolette e i separatori."
        ) from exc


def _righe_xlsx(dati: bytes) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(dati)) as archivio:
            espanso = sum(info.file_size for info in archivio.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise FileNonValido(FILE_ILLEGGIBILE) from exc
    if espanso > MAX_BYTE_XLSX_ESPANSO:
        raise FileNonValido(
            "Il file XLSX è troppo grande una volta decompresso: dividerlo in più file."
        )
    # openpyxl raises many kinds of exception on a damaged workbook (zip,
    # XML, KeyError on a missing part...): each one means "not readable".
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            libro = load_workbook(io.BytesIO(dati), read_only=True, data_only=True)
    except Exception as exc:
        raise FileNonValido(FILE_ILLEGGIBILE) from exc
    try:
        if not libro.worksheets:
            raise FileNonValido("Il file XLSX non contiene fogli.")
        foglio = libro.worksheets[0]
        righe = foglio.iter_rows(
            min_row=1, max_row=MAX_RIGHE_FISICHE + 1, max_col=MAX_COLONNE, values_only=True
        )
        numero_riga = 0
        while True:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    celle = next(righe)
            except StopIteration:
                break
            except FileNonValido:
                raise
            except Exception as exc:
                raise FileNonValido(FILE_ILLEGGIBILE) from exc
            numero_riga += 1
            yield numero_riga, list(celle)
    finally:
        libro.close()


def _vuota(valore) -> bool:
    return valore is None or (isinstance(valore, str) and not valore.strip())


def _nome_colonna(valore) -> str:
    testo = "" if valore is None else str(valore)
    return re.sub(r"\s+", "_", testo.replace("\ufeff", "").strip().lower())


@dataclass
class _Riga:
    numero: int
    valori: dict[str, object]
    errori: list[str]


def _leggi_righe(dati: bytes) -> Iterator[_Riga]:
    """The data rows as {column: raw value}, after checking the header."""
    colonne: list[str] | None = None
    letti = 0
    for numero_riga, celle in _righe_file(dati):
        if numero_riga > MAX_RIGHE_FISICHE:
            raise FileNonValido(
                f"Il file supera le {numero(MAX_RIGHE_FISICHE, 0)} righe: dividerlo in più file."
            )
        if all(_vuota(c) for c in celle):
            continue
        if colonne is None:
            colonne = _controlla_intestazione(celle, numero_riga)
            continue
        letti += 1
        if letti > MAX_RIGHE:
            raise FileNonValido(
                f"Il file contiene più di {numero(MAX_RIGHE, 0)} righe di prestazioni: "
                "dividerlo in più file."
            )
        valori = {nome: None for nome in colonne if nome}
        errori = []
        for indice, cella in enumerate(celle):
            nome = colonne[indice] if indice < len(colonne) else ""
            if nome:
                valori[nome] = cella
            elif not _vuota(cella):
                errori.append(
                    "La riga ha un valore in una colonna senza intestazione (un separatore "
                    "dentro un testo? Racchiudere il testo tra virgolette)."
                )
                break
        yield _Riga(numero_riga, valori, errori)
    if colonne is None:
        raise FileNonValido("Il file è vuoto: manca anche l'intestazione.")
    if not letti:
        raise FileNonValido(
            "Il file contiene solo l'intestazione: nessuna prestazione da importare."
        )


def _controlla_intestazione(celle: list, numero_riga: int) -> list[str]:
    colonne = [_nome_colonna(c) for c in celle]
    presenti = [c for c in colonne if c]
    problemi = []
    mancanti = [c for c in COLONNE_OBBLIGATORIE if c not in presenti]
    if mancanti:
        problemi.append("mancano le colonne " + ", ".join(f"«{c}»" for c in mancanti))
    sconosciute = [c for c in presenti if c not in COLONNE_AMMESSE]
    if sconosciute:
        problemi.append(
            "colonne non riconosciute: " + ", ".join(f"«{c[:40]}»" for c in sconosciute[:10])
        )
    doppie = sorted({c for c in presenti if presenti.count(c) > 1})
    if doppie:
        problemi.append("colonne ripetute: " + ", ".join(f"«{c}»" for c in doppie))
    if problemi:
        raise FileNonValido(
            f"Intestazione non valida (riga {numero_riga}): "
            + "; ".join(problemi)
            + f". L'intestazione attesa è: {INTESTAZIONE_ATTESA}."
        )
    return colonne


# Reading the cells


def _testo_cella(valore) -> str:
    if valore is None:
        return ""
    if isinstance(valore, float) and valore.is_integer():
        valore = int(valore)
    return str(valore).strip()


def _data(valore) -> date:
    if isinstance(valore, datetime):
        return valore.date()
    if isinstance(valore, date):
        return valore
    testo = _testo_cella(valore)
    if not testo:
        raise ValueError("Data mancante.")
    return parse_data(testo)


def _importo(valore) -> Decimal:
    if isinstance(valore, bool):
        raise ImportoNonValido(f"«{valore}» non è un importo valido.")
    if isinstance(valore, int | float | Decimal):
        try:
            importo = Decimal(str(valore))
        except InvalidOperation as exc:  # pragma: no cover - str() of a number is a number
            raise ImportoNonValido(f"«{valore}» non è un importo valido.") from exc
        if not importo.is_finite():
            raise ImportoNonValido(f"«{valore}» non è un importo valido.")
        if importo.as_tuple().exponent < -2:
            # A float cell: 0.1 + 0.2 is 0.30000000000000004, refused, never rounded.
            raise ImportoNonValido(
                f"«{valore}» ha più di due decimali: indicare l'importo al centesimo."
            )
        return importo
    return parse_importo(_testo_cella(valore))


def _partita_iva(valore) -> str:
    if isinstance(valore, int | float) and not isinstance(valore, bool):
        # A number cell loses the leading zeros of a partita IVA: put them back.
        return _testo_cella(valore).zfill(11)
    return _testo_cella(valore)


_TIPI = {t.value: t.value for t in TipoPrestazione} | {
    str(t.label).lower(): t.value for t in TipoPrestazione
}


def _tipo(valore) -> str:
    testo = _testo_cella(valore)
    if not testo:
        raise ValueError(f"Tipo mancante: usare uno tra {', '.join(TipoPrestazione.values)}.")
    chiave = re.sub(r"\s+", " ", testo.lower())
    tipo = _TIPI.get(chiave) or _TIPI.get(chiave.replace(" ", "_"))
    if tipo is None:
        raise ValueError(
            f"Tipo «{testo[:50]}» non riconosciuto: usare uno tra "
            f"{', '.join(TipoPrestazione.values)}."
        )
    return tipo


def _messaggi(exc: ValidationError) -> list[str]:
    """Italian messages of a ValidationError, naming the field when useful."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    messaggi = []
    for campo, elenco in exc.message_dict.items():
        for messaggio in elenco:
            if campo in (None, "__all__", "importo", "data", "tranche"):
                messaggi.append(messaggio)
            else:
                try:
                    nome = str(Prestazione._meta.get_field(campo).verbose_name)
                except FieldDoesNotExist:
                    nome = campo
                messaggi.append(f"{nome}: {_minuscola(messaggio)}")
    return messaggi


# The import


def _laboratorio(accordo: Accordo, titolo: str):
    """The agreement's laboratorio with this title (case-insensitive)."""
    modello = Prestazione._meta.get_field("laboratorio").related_model
    trovati = list(modello.objects.filter(accordo=accordo, titolo__iexact=titolo)[:2])
    if not trovati:
        raise ValueError(f"Laboratorio «{titolo[:80]}» non trovato nell'accordo.")
    if len(trovati) > 1:
        raise ValueError(f"Più laboratori dell'accordo si intitolano «{titolo[:80]}».")
    return trovati[0]


def _fornitore(nome: str, partita_iva: str, numero_riga: int, esito, utente) -> Ente:
    """The supplier with this partita IVA, created when unknown (the caller
    has validated the partita IVA and holds a savepoint)."""
    codice = normalizza_codice(partita_iva)
    ente = (
        Ente.objects.filter(partita_iva=codice).first()
        or Ente.objects.filter(codice_fiscale=codice).first()
    )
    if ente is not None:
        if nome and nome.casefold() != ente.nome.casefold():
            esito.avvisi.append(
                (
                    numero_riga,
                    f"La partita IVA {codice} è registrata come «{ente.nome}»: il nome "
                    f"«{nome[:80]}» indicato nel file è ignorato.",
                )
            )
        return ente
    if not nome:
        raise ValidationError(
            f"Indicare il nome del fornitore: la partita IVA {codice} non corrisponde a "
            "nessun ente registrato."
        )
    ente = Ente(nome=nome, tipo=TipoEnte.FORNITORE, partita_iva=codice, codice_fiscale=codice)
    try:
        ente.full_clean()
    except ValidationError as exc:
        raise ValidationError(
            [f"fornitore «{nome[:80]}»: {_minuscola(m)}" for m in exc.messages]
        ) from exc
    if utente is not None:
        ente._history_user = utente
    ente.save()
    esito.fornitori_creati.append(ente.nome)
    return ente


def _importa_riga(riga: _Riga, accordo: Accordo, esito: EsitoImportazione, utente) -> None:
    valori = riga.valori
    errori = list(riga.errori)

    giorno = tipo = importo = tranche = laboratorio = None
    try:
        giorno = _data(valori.get("data"))
    except ValueError as exc:
        errori.append(str(exc))
    try:
        tipo = _tipo(valori.get("tipo"))
    except ValueError as exc:
        errori.append(str(exc))
    try:
        importo = _importo(valori.get("importo"))
    except ValueError as exc:
        errori.append(str(exc))
    else:
        errori.extend(rules.errori_importo(importo))

    nome_fornitore = _testo_cella(valori.get("fornitore"))
    partita_iva = _partita_iva(valori.get("partita_iva"))
    if partita_iva:
        try:
            valida_partita_iva(partita_iva)
        except ValidationError as exc:
            errori.extend(exc.messages)
    elif nome_fornitore:
        errori.append(
            f"Manca la partita IVA del fornitore «{nome_fornitore[:80]}»: serve per "
            "riconoscerlo o registrarlo."
        )
    elif tipo is not None and tipo != TipoPrestazione.PROGETTAZIONE:
        errori.append("Indicare il fornitore e la sua partita IVA.")

    descrizione = _testo_cella(valori.get("descrizione"))
    massimo = Prestazione._meta.get_field("descrizione").max_length
    if not descrizione:
        errori.append("Descrizione mancante.")
    elif len(descrizione) > massimo:
        errori.append(f"La descrizione supera i {massimo} caratteri ({len(descrizione)}).")
    numero_documento = _testo_cella(valori.get("numero_documento"))
    massimo = Prestazione._meta.get_field("numero_documento").max_length
    if len(numero_documento) > massimo:
        errori.append(f"Il numero documento supera i {massimo} caratteri.")

    titolo_laboratorio = _testo_cella(valori.get("laboratorio"))
    if titolo_laboratorio:
        try:
            laboratorio = _laboratorio(accordo, titolo_laboratorio)
        except ValueError as exc:
            errori.append(str(exc))

    if giorno is not None:
        tranche = services.tranche_per_data(accordo, giorno)
        if tranche is None:
            durata = f"{data_it(accordo.data_inizio)} - {data_it(accordo.data_fine)}"
            if accordo.data_inizio <= giorno <= accordo.data_fine:
                errori.append(
                    f"La data {data_it(giorno)} non cade in nessuna tranche dell'accordo "
                    f"(durata {durata})."
                )
            else:
                errori.append(
                    f"La data {data_it(giorno)} è fuori da ogni tranche e dalla durata "
                    f"dell'accordo ({durata})."
                )

    if errori:
        esito.errori.extend((riga.numero, e) for e in errori)
        return

    try:
        with transaction.atomic():
            fornitore = None
            if partita_iva:
                fornitore = _fornitore(nome_fornitore, partita_iva, riga.numero, esito, utente)
            prestazione = services.prestazione_crea(
                tranche=tranche,
                tipo=tipo,
                descrizione=descrizione,
                data=giorno,
                importo=importo,
                fornitore=fornitore,
                laboratorio=laboratorio,
                numero_documento=numero_documento,
                utente=utente,
            )
    except ValidationError as exc:
        esito.errori.extend((riga.numero, m) for m in _messaggi(exc))
        return
    esito.prestazioni.append(prestazione)


def importa_prestazioni(
    file, *, accordo: Accordo, dry_run: bool = False, utente=None
) -> EsitoImportazione:
    """Import the prestazioni of a CSV or XLSX file into `accordo`.

    `file` is a path, bytes or a file-like object (e.g. an upload). Never
    raises on bad input: the problems are in the result's `errori`, and
    then nothing is written. With `dry_run` everything is checked (rules
    included, as if the rows were saved one after the other) and nothing is
    written.
    """
    esito = EsitoImportazione(dry_run=dry_run)
    try:
        # The whole file is read and its header and size checked before
        # anything is written.
        righe = list(_leggi_righe(_leggi_byte(file)))
    except FileNonValido as exc:
        esito.errori.append((None, str(exc)))
        return esito
    esito.righe_lette = len(righe)
    with transaction.atomic():
        # One lock on the agreement for the whole import: the services take
        # it again per row, and the rows are checked and written with nobody
        # else changing the agreement's figures in between.
        services.blocca(accordo.pk)
        for riga in righe:
            _importa_riga(riga, accordo, esito, utente)
        if esito.errori or dry_run:
            transaction.set_rollback(True)
    if esito.errori:
        esito.prestazioni = []
        esito.fornitori_creati = []
    elif dry_run:
        for prestazione in esito.prestazioni:
            prestazione.pk = None  # rolled back: nothing was saved
    return esito
