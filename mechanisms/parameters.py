"""Declarative checks of a mechanism's parameters.

Each raises ``ParameterError(name, message)``: the command line reports it as
``<family>.<name>: <message>`` (it reads the parameter's name from the error, never from the
message text), and any other caller sees ``<name> <message>``.
"""

from __future__ import annotations

from enum import Enum


class ParameterError(ValueError):
    """A mechanism parameter outside what the mechanism accepts."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name} {message}")
        self.name = name
        self.message = message


def at_least(name: str, value, low) -> None:
    if value < low:
        raise ParameterError(name, f"must be ≥ {low}, got {value}")


def positive(name: str, value) -> None:
    if not value > 0:
        raise ParameterError(name, f"must be > 0, got {value}")


def within(name: str, value, low, high, include_high: bool = True) -> None:
    """low ≤ value ≤ high (or < high)."""
    inside = low <= value <= high if include_high else low <= value < high
    if not inside:
        bracket = "]" if include_high else ")"
        raise ParameterError(name, f"must lie in [{low}, {high}{bracket}, got {value}")


def at_least_or_none(name: str, value, low) -> None:
    if value is not None and value < low:
        raise ParameterError(name, f"must be ≥ {low} or null, got {value}")


def choice(name: str, value, choices: type[Enum]):
    """The member of the string enum ``choices`` named ``value``."""
    try:
        return choices(value)
    except ValueError:
        allowed = ", ".join(member.value for member in choices)
        raise ParameterError(name, f"must be one of: {allowed}; got {value!r}") from None
