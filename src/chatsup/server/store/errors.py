"""What the store raises: a value it cannot use, a row that is not there."""

from __future__ import annotations


class BadInput(ValueError):
    """A request value the store cannot use; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NotFound(LookupError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what


class Forbidden(PermissionError):
    """The caller may not act on this row (another advisor holds it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RetryAlone(Exception):
    """A write that must run again on its own, once the writes batched with
    it have committed (it depends on one of them); the store does so."""
