"""Dataclasses to JSON and back, for figures that must be stored frozen.

Decimals become strings (never floats), dates and times ISO strings; going
back, the dataclass's type hints say what each value was.
"""

import dataclasses
import types
import typing
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
    if valore is None:
        return None
    origine = typing.get_origin(tipo)
    argomenti = typing.get_args(tipo)
    if origine in (typing.Union, types.UnionType):
        concreti = [a for a in argomenti if a is not type(None)]
        return da_json(concreti[0], valore)
    if dataclasses.is_dataclass(tipo):
        tipi = typing.get_type_hints(tipo)
        return tipo(
            **{
                f.name: da_json(tipi[f.name], valore[f.name])
                for f in dataclasses.fields(tipo)
                if f.name in valore
            }
        )
    if origine is tuple:
        if len(argomenti) == 2 and argomenti[1] is Ellipsis:
            return tuple(da_json(argomenti[0], v) for v in valore)
        return tuple(da_json(t, v) for t, v in zip(argomenti, valore, strict=True))
    if origine is list:
        return [da_json(argomenti[0], v) for v in valore]
    if origine is dict:
        return {da_json(argomenti[0], k): da_json(argomenti[1], v) for k, v in valore.items()}
    if tipo is Decimal:
        return Decimal(valore)
    if tipo is datetime:
        return datetime.fromisoformat(valore)
    if tipo is date:
        return date.fromisoformat(valore)
    if tipo is time:
        return time.fromisoformat(valore)
    if tipo is int and isinstance(valore, str):
        return int(valore)
    return valore
