"""Marshmallow schemas of the phone API: what comes in (XxxArgsSchema) and goes out (XxxSchema).

Shapes and lengths live here; rules that need the database (a USCC's check digit, a scope inside a
commission) live in the domain functions that both the API and the pages call. One module per
area; the names the resources and pages use are importable from here.
"""
from .accounts import (OrgArgsSchema, OrgSchema, StaffArgsSchema, StaffSchema, TokenArgsSchema, TokenSchema,
                       UserArgsSchema, UserSchema)
from .codes import (CodeArgsSchema, CodeQueryArgsSchema, CodeSchema, CommissionArgsSchema, CommissionSchema,
                    DynamicCodeSchema, EnterpriseVisitSchema, RatingArgsSchema, RatingSchema, ReasonArgsSchema,
                    SummaryArgsSchema, VerdictSchema, VerificationArgsSchema, VisitSchema)
from .governance import (CASE_SCHEMAS, AgencyCaseSchema, CaseNoteArgsSchema, CaseQueryArgsSchema, CaseSchema,
                         ExitRulesArgsSchema, ExitRulesSchema, FailedScansSchema, FlagDecisionArgsSchema,
                         MarkReadArgsSchema, MarkReadSchema, NotificationListSchema, PeriodArgsSchema,
                         SatisfactionSchema, StandingSchema)

__all__ = [
    "OrgArgsSchema", "OrgSchema", "StaffArgsSchema", "StaffSchema", "TokenArgsSchema", "TokenSchema",
    "UserArgsSchema", "UserSchema",
    "CodeArgsSchema", "CodeQueryArgsSchema", "CodeSchema", "CommissionArgsSchema", "CommissionSchema",
    "DynamicCodeSchema", "EnterpriseVisitSchema", "RatingArgsSchema", "RatingSchema", "ReasonArgsSchema",
    "SummaryArgsSchema", "VerdictSchema", "VerificationArgsSchema", "VisitSchema",
    "CASE_SCHEMAS", "AgencyCaseSchema", "CaseNoteArgsSchema", "CaseQueryArgsSchema", "CaseSchema",
    "ExitRulesArgsSchema", "ExitRulesSchema", "FailedScansSchema", "FlagDecisionArgsSchema",
    "MarkReadArgsSchema", "MarkReadSchema", "NotificationListSchema", "PeriodArgsSchema",
    "SatisfactionSchema", "StandingSchema",
]
