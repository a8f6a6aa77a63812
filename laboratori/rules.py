"""Rules on a session, as pure functions (no ORM)."""

from datetime import date, time
from decimal import Decimal

from core.formati import data_it, numero

# Above these a figure is a typo, not a laboratory afternoon.
ORE_MASSIME_SESSIONE = Decimal("12")
ORE_MASSIME_PER_PERSONA = Decimal("12")


def _minuti(ora: time) -> int:
    return ora.hour * 60 + ora.minute


def ore_di(minuti: int) -> Decimal:
    """Minutes as hours, to the cent of an hour (1 h 20 min = 1,33)."""
    return (Decimal(minuti) / 60).quantize(Decimal("0.01"))


def durata_ore(ora_inizio: time, ora_fine: time) -> Decimal:
    return ore_di(_minuti(ora_fine) - _minuti(ora_inizio))


def _persone(quanti: int, singolare: str, plurale: str) -> str:
    return f"1 {singolare}" if quanti == 1 else f"{quanti} {plurale}"


def _decimali(valore: Decimal) -> int:
    return -valore.as_tuple().exponent if valore.is_finite() else 99


def errori_sessione(
    *,
    data: date,
    ora_inizio: time,
    ora_fine: time,
    numero_educatori: int,
    ore_educatori: Decimal,
    volontari: int,
    ore_volontari: Decimal,
    inizio_laboratorio: date,
    fine_laboratorio: date,
    oggi: date,
) -> dict[str, list[str]]:
    """Why a session cannot be saved as given (empty when it can)."""
    errori: dict[str, list[str]] = {}

    def errore(campo: str, messaggio: str) -> None:
        errori.setdefault(campo, []).append(messaggio)

    if data > oggi:
        errore(
            "data",
            f"La data {data_it(data)} è nel futuro: si registrano solo le sessioni già svolte.",
        )
    if not inizio_laboratorio <= data <= fine_laboratorio:
        errore(
            "data",
            f"La data {data_it(data)} è fuori dal periodo del laboratorio "
            f"({data_it(inizio_laboratorio)} - {data_it(fine_laboratorio)}).",
        )
    if ora_fine <= ora_inizio:
        errore("ora_fine", "L'ora di fine deve essere successiva all'ora di inizio.")
    elif durata_ore(ora_inizio, ora_fine) > ORE_MASSIME_SESSIONE:
        errore(
            "ora_fine",
            f"Una sessione di {numero(durata_ore(ora_inizio, ora_fine))} ore supera il massimo di "
            f"{numero(ORE_MASSIME_SESSIONE, 0)} ore: verificare gli orari.",
        )
    if ore_educatori <= 0:
        errore("ore_educatori", "Le ore degli educatori devono essere maggiori di zero.")
    elif _decimali(ore_educatori) > 2:
        errore("ore_educatori", "Indicare le ore con al massimo due decimali.")
    elif numero_educatori and ore_educatori > ORE_MASSIME_PER_PERSONA * numero_educatori:
        errore(
            "ore_educatori",
            f"{numero(ore_educatori)} ore per {_persone(numero_educatori, 'educatore', 'educatori')} "
            "sono più di "
            f"{numero(ORE_MASSIME_PER_PERSONA, 0)} ore a testa: verificare il dato.",
        )
    if ore_volontari < 0:
        errore("ore_volontari", "Le ore dei volontari non possono essere negative.")
    elif _decimali(ore_volontari) > 2:
        errore("ore_volontari", "Indicare le ore con al massimo due decimali.")
    elif ore_volontari > 0 and volontari == 0:
        errore("volontari", "Indicare quanti volontari erano presenti.")
    elif ore_volontari > ORE_MASSIME_PER_PERSONA * volontari:
        errore(
            "ore_volontari",
            f"{numero(ore_volontari)} ore per {_persone(volontari, 'volontario', 'volontari')} "
            "sono più di "
            f"{numero(ORE_MASSIME_PER_PERSONA, 0)} ore a testa: verificare il dato.",
        )
    return errori


def modificabile_da_cooperativa(data_sessione: date, oggi: date, giorni: int) -> bool:
    """A cooperative may correct a session up to `giorni` days after it."""
    return (oggi - data_sessione).days <= giorni
