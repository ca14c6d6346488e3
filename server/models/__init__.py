"""All models, one module per aggregate. Importing this package registers every table."""
# The largest id a row can have: primary keys are 32-bit integers on PostgreSQL. A bigger number in
# a URL, a form, a JSON body or a signed token names nothing, and would overflow the database
# driver if it got there.
MAX_ROW_ID = 2**31 - 1

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
