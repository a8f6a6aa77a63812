"""Dataclasses to JSON and back, for figures that must be stored frozen.

Decimals become strings (never floats), dates and times ISO strings; going
back, the dataclass's type hints say what each value was.
"""

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal


def a_json(valore):
    if dataclasses.is_dataclass(valore) and not isinstance(valore, type):
        return {f.name: a_json(getattr(valore, f.name)) for f in dataclasses.fields(valore)}
    if isinstance(valore, dict):
        return {str(k): a_json(v) for k, v in valore.items()}
    if isinstance(valore, list | tuple):
        return [a_json(v) for v in valore]
    if isinstance(valore, Decimal):
        return str(valore)
    if isinstance(valore, datetime | date | time):
        return valore.isoformat()
    return valore


def da_json(tipo, valore):
    """Rebuild a value of type `tipo` (a dataclass or a typing form)."""
    return _convertitore(tipo)(valore)


def _o_none(converti: Callable) -> Callable:
    # None stays None whatever the type, as a missing optional value.
    return lambda valore: None if valore is None else converti(valore)


@functools.cache
def _convertitore(tipo) -> Callable:
    """The function that rebuilds a value of `tipo`, made once per type: a
    stored summary has thousands of rows of a few types, and reading a
    dataclass's type hints (typing.get_type_hints) costs more than the row."""
    origine = typing.get_origin(tipo)
    argomenti = typing.get_args(tipo)
    if origine in (typing.Union, types.UnionType):
        return _convertitore(next(a for a in argomenti if a is not type(None)))
    if dataclasses.is_dataclass(tipo):
        tipi = typing.get_type_hints(tipo)
        campi = [(f.name, _convertitore(tipi[f.name])) for f in dataclasses.fields(tipo)]

        def dataclasse(valore):
            return tipo(
                **{nome: converti(valore[nome]) for nome, converti in campi if nome in valore}
            )

        return _o_none(dataclasse)
    if origine is tuple:
        if len(argomenti) == 2 and argomenti[1] is Ellipsis:
            elemento = _convertitore(argomenti[0])
            return _o_none(lambda valore: tuple(elemento(v) for v in valore))
        elementi = [_convertitore(t) for t in argomenti]
        return _o_none(lambda valore: tuple(c(v) for c, v in zip(elementi, valore, strict=True)))
    if origine is list:
        elemento = _convertitore(argomenti[0])
        return _o_none(lambda valore: [elemento(v) for v in valore])
    if origine is dict:
        chiave, voce = _convertitore(argomenti[0]), _convertitore(argomenti[1])
        return _o_none(lambda valore: {chiave(k): voce(v) for k, v in valore.items()})
    if tipo is Decimal:
        return _o_none(Decimal)
    if tipo is datetime:
        return _o_none(datetime.fromisoformat)
    if tipo is date:
        return _o_none(date.fromisoformat)
    if tipo is time:
        return _o_none(time.fromisoformat)
    if tipo is int:
        return _o_none(lambda valore: int(valore) if isinstance(valore, str) else valore)
    return lambda valore: valore
