"""Italian formatting and parsing of money, dates and rates.

One set of functions used by pages, PDF, Excel, commands and error
messages, so a figure reads the same wherever it appears.
"""

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def euro(valore: Decimal | None) -> str:
    """`Decimal("13000")` -> `"€ 13.000,00"`; negative amounts keep their sign."""
    if valore is None:
        return ""
    valore = Decimal(valore).quantize(CENT, rounding=ROUND_HALF_UP)
    segno = "-" if valore < 0 else ""
    intero, decimali = f"{abs(valore):.2f}".split(".")
    gruppi = []
    while len(intero) > 3:
        gruppi.insert(0, intero[-3:])
        intero = intero[:-3]
    gruppi.insert(0, intero)
    return f"{segno}€ {'.'.join(gruppi)},{decimali}"


def numero(valore: Decimal | None, decimali: int = 2) -> str:
    """A number in Italian notation without the currency sign: `1.234,50`."""
    if valore is None:
        return ""
    arrotondato = Decimal(valore).quantize(Decimal(1).scaleb(-decimali), rounding=ROUND_HALF_UP)
    segno = "-" if arrotondato < 0 else ""
    intero, _, parte_decimale = f"{abs(arrotondato):f}".partition(".")
    gruppi = []
    while len(intero) > 3:
        gruppi.insert(0, intero[-3:])
        intero = intero[:-3]
    gruppi.insert(0, intero)
    testo = segno + ".".join(gruppi)
    return f"{testo},{parte_decimale}" if decimali > 0 else testo


def percentuale(aliquota: Decimal | None) -> str:
    """`Decimal("3.00")` -> `"3%"`, `Decimal("2.50")` -> `"2,5%"`."""
    if aliquota is None:
        return ""
    testo = f"{Decimal(aliquota).normalize():f}".replace(".", ",")
    return f"{testo}%"


def data_it(giorno: date | datetime | None) -> str:
    """`date(2024, 9, 1)` -> `"01/09/2024"`."""
    if giorno is None:
        return ""
    return giorno.strftime("%d/%m/%Y")


class ImportoNonValido(ValueError):
    """Raised with an Italian message when a text is not a usable amount."""


_SOLO_CIFRE = re.compile(r"^-?\d+$")
_MIGLIAIA_PUNTO = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def parse_importo(testo: str) -> Decimal:
    """Read an amount written as `1.234,56`, `1234,56`, `1234.56` or `€ 1.234,56`.

    When both separators appear the last one is the decimal separator; a lone
    comma is decimal; a lone dot is decimal, unless dots group thousands
    (`1.234.567`). More than two decimals is refused, never rounded.
    """
    pulito = (testo or "").strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    if not pulito:
        raise ImportoNonValido("Importo mancante.")
    if "," in pulito and "." in pulito:
        if pulito.rfind(",") > pulito.rfind("."):
            pulito = pulito.replace(".", "").replace(",", ".")
        else:
            pulito = pulito.replace(",", "")
    elif "," in pulito:
        if pulito.count(",") > 1:
            raise ImportoNonValido(f"«{testo}» non è un importo valido.")
        pulito = pulito.replace(",", ".")
    elif pulito.count(".") > 1 and _MIGLIAIA_PUNTO.match(pulito):
        pulito = pulito.replace(".", "")
    if not re.match(r"^-?\d+(\.\d+)?$", pulito):
        raise ImportoNonValido(f"«{testo}» non è un importo valido.")
    try:
        valore = Decimal(pulito)
    except InvalidOperation as exc:  # pragma: no cover - the regex above guards it
        raise ImportoNonValido(f"«{testo}» non è un importo valido.") from exc
    if valore.as_tuple().exponent < -2:
        if "," not in testo and re.match(r"^-?\d{1,3}\.\d{3}$", pulito):
            # "1.234" may mean a thousand to an Italian eye: say how to write it.
            raise ImportoNonValido(
                f"«{testo}» ha più di due decimali: se indica le migliaia scrivere "
                f"«{pulito.replace('.', '')},00» oppure «{pulito},00»."
            )
        raise ImportoNonValido(
            f"«{testo}» ha più di due decimali: indicare l'importo al centesimo."
        )
    return valore


def parse_data(testo: str) -> date:
    """Read a date written as `dd/mm/yyyy` or `yyyy-mm-dd`."""
    pulito = (testo or "").strip()
    for formato in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(pulito, formato).date()
        except ValueError:
            continue
    raise ValueError(f"«{testo}» non è una data valida (usare gg/mm/aaaa o aaaa-mm-gg).")
