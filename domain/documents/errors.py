"""Why a document could not be used on a return."""

from __future__ import annotations

from domain.errors import DomainError


class DocumentNotParsed(DomainError):
    code = "document-not-parsed"


class NotAForm16(DomainError):
    code = "not-a-form16"


class PanMismatch(DomainError):
    """The certificate is for another taxpayer than the return."""

    code = "pan-mismatch"


class AssessmentYearMismatch(DomainError):
    code = "assessment-year-mismatch"


class FieldsNeedReview(DomainError):
    """Fields the return needs were not read, or not read with confidence: confirm them."""

    code = "document-needs-review"

    def __init__(self, message: str, fields: dict[str, str]) -> None:
        super().__init__(message, field=next(iter(fields), None))
        self.fields = fields  # field name -> why it needs a person's eye


class InvalidCorrection(DomainError):
    code = "invalid-correction"
