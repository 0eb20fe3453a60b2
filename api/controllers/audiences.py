"""Who a controller serves, stated once per audience: its guard (and, where the audience has one
OpenAPI tag, the tag). A controller names its audience by its base class and keeps its `path`."""

from __future__ import annotations

from litestar import Controller

from api.guards import requires_role
from domain.account import Role


class TaxpayerController(Controller):
    """A taxpayer's own returns and documents (another user's are 404, never 403)."""

    guards = [requires_role(Role.TAXPAYER)]


class AdminController(Controller):
    tags = ["admin"]
    guards = [requires_role(Role.ADMIN)]


class AuditorController(Controller):
    """Auditors read every filing; admins may too."""

    tags = ["audit"]
    guards = [requires_role(Role.AUDITOR, Role.ADMIN)]
