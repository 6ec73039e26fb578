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
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar, Union

_T = TypeVar("_T")


class StateError(ValueError):
    """A saved state that does not fit the declared fields."""


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def dump(obj: object) -> Any:
    """A dataclass (recursively) as JSON-ready dicts, lists and scalars.

    Every value is a copy: nothing in the result is shared with `obj`. A
    dataclass is dumped by a function written for it from its type hints
    (`_dumper`), which walks no type at run time; anything else, and any
    value its hints do not describe, by the generic walk (`dump_any`).
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _dumper(type(obj))(obj)
    return dump_any(obj)


def dump_any(obj: object) -> Any:
    """`dump` by looking at each value's type as it goes (slower, for any value)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: dump_any(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    if isinstance(obj, tuple | list):
        return [dump_any(item) for item in obj]
    if isinstance(obj, dict):
        return {key: dump_any(value) for key, value in obj.items()}
    return obj


_SCALARS = (str, int, float, bool, type(None))


@cache
def _dumper(cls: type) -> Callable[[Any], dict[str, Any]]:
    """A function that dumps an instance of the dataclass `cls`, written from its hints.

    Session state is saved whenever a connection ends and, with a shared
    store, while it is open: this is on the server's hot path. The function
    is generated source, one dict display per class, e.g. for a field
    ``converted: set[str]`` the item ``"converted": sorted(o.converted)``.
    """
    hints = _hints(cls)
    names: dict[str, Any] = {"sorted": sorted, "dump_any": dump_any}
    items = []
    for number, f in enumerate(dataclasses.fields(cls)):
        expression = _expression(hints[f.name], f"o.{f.name}", names, f"v{number}")
        items.append(f"{f.name!r}: {expression}")
    source = f"def dump_one(o):\n    return {{{', '.join(items)}}}\n"
    exec(compile(source, f"<dump {cls.__qualname__}>", "exec"), names)  # our own field names
    return typing.cast(Callable[[Any], dict[str, Any]], names["dump_one"])


def _expression(hint: Any, value: str, names: dict[str, Any], var: str) -> str:
    """Python source that dumps `value` (itself source) of type `hint`, as `dump_any` would."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint in _SCALARS or origin is typing.Literal:
        return value
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1 and len(args) == 2:
            expression = _expression(inner[0], value, names, var)
            return value if expression == value else f"(None if {value} is None else {expression})"
    elif origin is dict and len(args) == 2 and args[0] is str:
        item = _expression(args[1], var, names, var + "v")
        if item == var:
            return f"dict({value})"
        return f"{{k{var}: {item} for k{var}, {var} in {value}.items()}}"
    elif origin in (set, frozenset) and len(args) == 1 and args[0] in _SCALARS:
        return f"sorted({value})"
    elif origin in (list, tuple) and args and (origin is list or args[-1] is Ellipsis):
        item = _expression(args[0], var, names, var + "v")
        return f"list({value})" if item == var else f"[{item} for {var} in {value}]"
    elif dataclasses.is_dataclass(hint) and isinstance(hint, type):
        name = f"dump_{hint.__name__}_{id(hint)}"
        names[name] = _dumper(hint)
        return f"{name}({value})"
    return f"dump_any({value})"


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
