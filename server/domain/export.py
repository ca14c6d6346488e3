"""The agency's Excel export (导出): service codes, visits and ratings of a period, one sheet each.

Rows are read with one joined query per sheet; times are written as Asia/Shanghai wall-clock
times (Excel has no time zones), dates as dates, so that a spreadsheet user can filter and sort.
"""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from ..clock import BUSINESS_TZ, as_utc, end_of_day, start_of_day
from ..extensions import db
from ..models import Commission, Organisation, Rating, ServiceCode, User, Visit
from ..models.codes import CODE_STATUS_LABELS
from ..models.ratings import FLAGS, LEVELS
from .errors import Forbidden
from .issuing import effective_status
from .stats import check_period

VISIT_CLOSE_LABELS = {None: "服务中", "completed": "机构完成", "checked_out": "企业登记离开"}

CODE_HEADERS = ("服务码编号", "机构名称", "机构统一社会信用代码", "企业名称", "企业统一社会信用代码", "服务类别",
                "服务范围", "入企人员", "入企目的", "有效期起", "有效期止", "状态", "申请时间", "审核时间", "审核理由")
VISIT_HEADERS = ("服务码编号", "机构名称", "企业名称", "服务范围", "入企时间", "离开时间", "接待时长（分钟）",
                 "结束方式", "服务小结")
RATING_HEADERS = ("服务码编号", "机构名称", "企业名称", "评价人", "评价等级", "等级说明", "问题标记", "是否差评",
                  "是否追评", "评价内容", "评价时间")

_DATETIME = "yyyy-mm-dd hh:mm"
_DATE = "yyyy-mm-dd"


def _local(value):
    """An instant from the database as a naive Asia/Shanghai datetime for the sheet."""
    if value is None:
        return None
    return as_utc(value).astimezone(BUSINESS_TZ).replace(tzinfo=None, microsecond=0)


def _minutes(entered_at, closed_at):
    if entered_at is None or closed_at is None:
        return None
    return round((as_utc(closed_at) - as_utc(entered_at)).total_seconds() / 60)


def _sheet(book, title, headers, rows, formats):
    """Write one sheet: bold headers, frozen header row, column widths, formats by column index."""
    sheet = book.create_sheet(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                # openpyxl takes any text starting with "=" for a formula. Everything we write is
                # data, much of it typed by enterprises and providers: a comment such as
                # =HYPERLINK(…) or =WEBSERVICE(…) must stay text, never run in the agency's Excel.
                cell.data_type = "s"
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(40, len(header) * 2 + 4))
        if index in formats:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = formats[index]
    sheet.freeze_panes = "A2"
    return sheet


def _code_rows(agency_id, start, end):
    provider, enterprise = aliased(Organisation), aliased(Organisation)
    codes = db.session.execute(
        select(ServiceCode, provider.name, provider.uscc, enterprise.name, enterprise.uscc, Commission.category)
        .join(provider, provider.id == ServiceCode.provider_id)
        .join(enterprise, enterprise.id == ServiceCode.enterprise_id)
        .join(Commission, Commission.id == ServiceCode.commission_id)
        .where(ServiceCode.agency_id == agency_id, ServiceCode.applied_at >= start, ServiceCode.applied_at < end)
        .order_by(ServiceCode.applied_at, ServiceCode.id).options(selectinload(ServiceCode.staff))
    ).all()
    for code, provider_name, provider_uscc, enterprise_name, enterprise_uscc, category in codes:
        status = effective_status(code)
        yield (code.human_code, provider_name, provider_uscc, enterprise_name, enterprise_uscc, category,
               "、".join(code.scope_items), "、".join(person.name for person in code.staff), code.purpose,
               code.valid_from, code.valid_until, CODE_STATUS_LABELS.get(status, status),
               _local(code.applied_at), _local(code.decided_at), code.decision_reason)


def _visit_rows(agency_id, start, end):
    provider, enterprise = aliased(Organisation), aliased(Organisation)
    visits = db.session.execute(
        select(Visit.entered_at, Visit.closed_at, Visit.close_kind, Visit.summary, ServiceCode.human_code,
               ServiceCode.scope_items, provider.name, enterprise.name)
        .join(ServiceCode, ServiceCode.id == Visit.code_id)
        .join(provider, provider.id == Visit.provider_id)
        .join(enterprise, enterprise.id == Visit.enterprise_id)
        .where(Visit.agency_id == agency_id, Visit.entered_at >= start, Visit.entered_at < end)
        .order_by(Visit.entered_at, Visit.id)
    ).all()
    for entered_at, closed_at, close_kind, summary, human_code, scope, provider_name, enterprise_name in visits:
        yield (human_code, provider_name, enterprise_name, "、".join(scope), _local(entered_at), _local(closed_at),
               _minutes(entered_at, closed_at), VISIT_CLOSE_LABELS.get(close_kind, close_kind), summary)


def _rating_rows(agency_id, start, end):
    provider, enterprise = aliased(Organisation), aliased(Organisation)
    ratings = db.session.execute(
        select(Rating.level, Rating.flags, Rating.bad, Rating.followup, Rating.comment, Rating.rated_at,
               ServiceCode.human_code, provider.name, enterprise.name, User.username)
        .join(Visit, Visit.id == Rating.visit_id)
        .join(ServiceCode, ServiceCode.id == Visit.code_id)
        .join(provider, provider.id == Rating.provider_id)
        .join(enterprise, enterprise.id == Rating.enterprise_id)
        .outerjoin(User, User.id == Rating.rated_by_id)
        .where(Rating.agency_id == agency_id, Rating.rated_at >= start, Rating.rated_at < end)
        .order_by(Rating.rated_at, Rating.id)
    ).all()
    for level, flags, bad, followup, comment, rated_at, human_code, provider_name, enterprise_name, rater in ratings:
        yield (human_code, provider_name, enterprise_name, rater, level, LEVELS.get(level, ""),
               "、".join(FLAGS.get(flag, flag) for flag in flags or []), "是" if bad else "否",
               "是" if followup else "否", comment, _local(rated_at))


def agency_workbook(actor, date_from, date_to):
    """The agency's workbook for ``[date_from, date_to]`` (Asia/Shanghai days) as .xlsx bytes.

    Sheets: 服务码 (codes applied for in the period, any state), 入企记录 (visits entered in the
    period), 评价 (ratings made in the period, real-name towards the agency). Raises Forbidden for
    non-agencies, Invalid for a period that ``stats.check_period`` refuses.
    """
    if actor.role != "agency":
        raise Forbidden("只有委托单位可以导出本单位的数据")
    check_period(date_from, date_to)
    start, end = start_of_day(date_from), end_of_day(date_to)
    book = Workbook()
    book.remove(book.active)
    _sheet(book, "服务码", CODE_HEADERS, _code_rows(actor.org_id, start, end),
           {10: _DATE, 11: _DATE, 13: _DATETIME, 14: _DATETIME})
    _sheet(book, "入企记录", VISIT_HEADERS, _visit_rows(actor.org_id, start, end), {5: _DATETIME, 6: _DATETIME})
    _sheet(book, "评价", RATING_HEADERS, _rating_rows(actor.org_id, start, end), {11: _DATETIME})
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
