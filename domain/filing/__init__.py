"""A taxpayer's return for one assessment year, from first draft to e-verification."""

from domain.filing.aggregate import Filing
from domain.filing.declarations import IncomeDeclaration
from domain.filing.return_kind import ReturnTypeRefused, return_kind
from domain.filing.status import FilingStatus, filing_status

__all__ = [
    "Filing",
    "FilingStatus",
    "IncomeDeclaration",
    "ReturnTypeRefused",
    "filing_status",
    "return_kind",
]
