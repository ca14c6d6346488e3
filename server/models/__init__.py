"""All models, one module per aggregate. Importing this package registers every table."""
from .audit import AuditEntry, AuditHead
from .cases import ReviewCase
from .catalog import ServiceCategory
from .codes import ServiceCode, code_staff
from .commissions import Commission, commission_enterprises
from .orgs import Organisation, Staff, User
from .notifications import Notification
from .ratings import Rating
from .standing import ExitRule, Standing
from .visits import Scan, Visit

__all__ = [
    "AuditEntry", "AuditHead", "Commission", "ExitRule", "Notification", "ReviewCase", "Organisation", "Rating", "Scan", "ServiceCategory", "ServiceCode",
    "Staff", "Standing", "User", "Visit", "code_staff", "commission_enterprises",
]
