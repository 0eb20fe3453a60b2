"""The one error the tax engine raises for a document it cannot compute."""

from __future__ import annotations


class InvalidTaxInput(ValueError):
    """A tax input document is malformed or states something the law does not allow.

    `field` is the JSON path of the offending value ("$.salary.gross",
    "$.capital_gains[0].transfer_date"), or "$" when the document as a whole is at fault.
    """

    def __init__(self, message: str, field: str = "$") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __reduce__(self) -> tuple[type[InvalidTaxInput], tuple[str, str]]:
        return (type(self), (self.message, self.field))

    def __str__(self) -> str:
        return f"{self.message} (at {self.field})"
