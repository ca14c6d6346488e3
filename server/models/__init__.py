"""All models, one module per aggregate. Importing this package registers every table."""
from .audit import AuditEntry
from .catalog import ServiceCategory
from .codes import ServiceCode, code_staff
from .commissions import Commission, commission_enterprises
from .orgs import Organisation, Staff, User
from .ratings import Rating
from .standing import Standing
from .visits import Scan, Visit

__all__ = [
    "AuditEntry", "Commission", "Organisation", "Rating", "Scan", "ServiceCategory", "ServiceCode",
    "Staff", "Standing", "User", "Visit", "code_staff", "commission_enterprises",
]
