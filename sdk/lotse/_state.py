"""Plain session data to JSON-ready dicts and back, checked field by field.

Every part of a session's state (`Profile`, `Dialogue`, `Targeting`) is a
dataclass of plain values. This module is the one place that turns them into
JSON-ready values and back, driven by the dataclasses' own type hints, so a
field is declared once — with its type and default — and never listed again
for saving, loading or resetting. Loading checks every value against its
declared type: a damaged or foreign record raises `StateError` instead of
becoming a half-valid profile.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, TypeVar, Union

_T = TypeVar("_T")


class StateError(ValueError):
    """A saved state that does not fit the declared fields."""


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def dump(obj: object) -> Any:
    """A dataclass (recursively) as JSON-ready dicts, lists and scalars."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: dump(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    if isinstance(obj, tuple | list):
        return [dump(item) for item in obj]
    if isinstance(obj, dict):
        return {key: dump(value) for key, value in obj.items()}
    return obj


def load(cls: type[_T], data: object) -> _T:
    """Rebuild `cls` from `dump()` output; missing fields take their defaults.

    Raises `StateError` when a value does not match its field's type.
    """
    if not isinstance(data, dict):
        raise StateError(f"{cls.__name__}: expected an object")
    hints = _hints(typing.cast(type, cls))
    values = {
        f.name: _value(hints[f.name], data[f.name], f"{cls.__name__}.{f.name}")
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name in data
    }
    return cls(**values)


def _value(hint: Any, value: object, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _value(inner, value, where)
    if origin is typing.Literal:
        if value not in args:
            raise StateError(f"{where}: {value!r} is not one of {args}")
        return value
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise StateError(f"{where}: expected an object")
        return {k: _value(args[1], v, f"{where}[{k}]") for k, v in value.items()}
    if origin in (set, frozenset, tuple, list):
        if not isinstance(value, list):
            raise StateError(f"{where}: expected a list")
        items = [_value(args[0], item, f"{where}[]") for item in value]
        return origin(items)
    if dataclasses.is_dataclass(hint):
        return load(hint, value)  # type: ignore[arg-type]
    return _scalar(hint, value, where)


def _scalar(hint: Any, value: object, where: str) -> Any:
    # JSON has one number type: an int is a valid float; a bool is never a number.
    if isinstance(value, bool) and hint is not bool:
        raise StateError(f"{where}: expected {getattr(hint, '__name__', hint)}, not a boolean")
    if hint is float and isinstance(value, int | float):
        return float(value)
    if isinstance(hint, type) and isinstance(value, hint):
        return value
    raise StateError(f"{where}: expected {getattr(hint, '__name__', hint)}")
