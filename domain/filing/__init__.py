"""A taxpayer's return for one assessment year, from first draft to e-verification."""

from domain.filing.aggregate import Filing
from domain.filing.declarations import IncomeDeclaration
from domain.filing.status import FilingStatus

__all__ = ["Filing", "FilingStatus", "IncomeDeclaration"]
