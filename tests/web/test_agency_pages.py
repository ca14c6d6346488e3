"""Agency console pages: approval queue, codes, dashboard with charts, bad reviews, standing with
manual exit and reinstatement, Excel export, and who may open them."""
import re
from functools import partial
from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEntry, ServiceCode, Standing
from tests.conftest import set_clock_shanghai
from tests.web.forms import csrf_token, html_of, post_form, sign_in

post = partial(post_form, page="/agency/")



def code_row(code_id):
    db.session.expire_all()
    return db.session.get(ServiceCode, code_id)


def audit_actions(object_id, object_type="service_codes"):
    return db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == object_type, AuditEntry.object_id == object_id).order_by(AuditEntry.id)).all()


def rated_visits(world, agency, provider, enterprise, levels, code=None, flags=None, comment=None):
    """One finished visit per level, each rated with that level: the first of ``code`` (a new code
    when none is given), the others each of a code of its own under the same commission (ratings
    count one per code and day). Returns the first code."""
    code = code or world.code(agency, provider, enterprise)
    for index, level in enumerate(levels):
        if index == 0:
            _code, visit_id = world.completed_visit(agency, provider, enterprise, code)
            response = world.rate(enterprise, visit_id, level, flags or (), comment)
            assert response.status_code == 201, response.get_json()
        else:
            world.rated_visit(agency, provider, enterprise, level, flags or (), comment, code=code)
    return code


@pytest.fixture
def browser(app):
    """A second client for the pages, so that its session cookie is apart from the API calls."""
    return app.test_client()


@pytest.fixture
def scene(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    commission = world.commission(agency, provider)
    return world, agency, provider, enterprise, commission


@pytest.fixture
def agency_browser(browser, scene):
    world, agency, *_rest = scene
    assert sign_in(browser, agency.username).status_code == 302
    return browser


# ---- approval queue -------------------------------------------------------------------------

def test_queue_lists_pending_codes_with_what_the_agency_decides_on(agency_browser, scene):
    world, agency, provider, enterprise, commission = scene
    pending = world.code(agency, provider, enterprise, commission, approve=False, purpose="季度隐患复查")
    html = html_of(agency_browser.get("/agency/"))
    assert f'data-code="{pending["id"]}"' in html
    for text in ("浙江安远安全技术咨询有限公司", "海宁兴隆恒远皮革有限公司", "安全隐患排查", "安全培训",
                 "2026-12-01", "2026-12-31", "杨明超", "罗芳", "季度隐患复查", "2026-12-03 10:00"):
        assert text in html
    assert "待审核的服务码</div>" not in html and "（1）" in html


def test_approve_from_the_queue_activates_the_code_and_audits_it(app, agency_browser, scene):
    world, agency, provider, enterprise, commission = scene
    pending = world.code(agency, provider, enterprise, commission, approve=False)
    response = post(agency_browser, f"/agency/codes/{pending['id']}/approve")
    assert response.status_code == 302 and response.headers["Location"] == "/agency/"
    assert "已审核通过，服务码生效" in html_of(agency_browser.get("/agency/"))
    with app.app_context():
        code = code_row(pending["id"])
        assert code.status == "active" and code.approved_at is not None
        assert audit_actions(code.id) == ["code.apply", "code.approve"]


def test_reject_from_the_queue_stores_the_reason_and_audits_it(app, agency_browser, scene):
    world, agency, provider, enterprise, commission = scene
    pending = world.code(agency, provider, enterprise, commission, approve=False)
    response = post(agency_browser, f"/agency/codes/{pending['id']}/reject", {"reason": "入企人员资质证明缺失"})
    assert response.status_code == 302
    with app.app_context():
        code = code_row(pending["id"])
        assert (code.status, code.decision_reason) == ("rejected", "入企人员资质证明缺失")
        assert audit_actions(code.id) == ["code.apply", "code.reject"]
    assert f'data-code="{pending["id"]}"' not in html_of(agency_browser.get("/agency/"))


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_without_a_reason_shows_the_chinese_error_and_changes_nothing(app, agency_browser, scene, reason):
    world, agency, provider, enterprise, commission = scene
    pending = world.code(agency, provider, enterprise, commission, approve=False)
    response = post(agency_browser, f"/agency/codes/{pending['id']}/reject", {"reason": reason})
    html = html_of(response)
    assert response.status_code == 422
    assert re.search(r'class="field-error" data-field="reason">请填写理由', html)
    with app.app_context():
        assert code_row(pending["id"]).status == "pending"
        assert audit_actions(pending["id"]) == ["code.apply"]


def test_approving_twice_is_a_flash_message_not_an_error(app, agency_browser, scene):
    world, agency, provider, enterprise, commission = scene
    pending = world.code(agency, provider, enterprise, commission, approve=False)
    assert post(agency_browser, f"/agency/codes/{pending['id']}/approve").status_code == 302
    second = post(agency_browser, f"/agency/codes/{pending['id']}/approve")
    assert second.status_code == 302
    page = agency_browser.get("/agency/")
    assert page.status_code == 200
    assert "只有待审核的服务码可以审核通过（当前：生效中）" in html_of(page)
    with app.app_context():
        assert audit_actions(pending["id"]) == ["code.apply", "code.approve"]


def test_approving_for_a_suspended_provider_is_a_flash_message(app, agency_browser, scene):
    world, agency, provider, enterprise, commission = scene
    pending = world.code(agency, provider, enterprise, commission, approve=False)
    with app.app_context():
        # The commission made the standing row; the rules would suspend after poor ratings.
        db.session.scalar(select(Standing).where(Standing.agency_id == agency.id,
                                                 Standing.provider_id == provider.id)).state = "suspended"
        db.session.commit()
    response = post(agency_browser, f"/agency/codes/{pending['id']}/approve")
    assert response.status_code == 302
    assert "该机构已被暂停赋码或已退出，不能审核通过新的服务码" in html_of(agency_browser.get("/agency/"))
    with app.app_context():
        assert code_row(pending["id"]).status == "pending"


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(app, agency_browser, scene):
    world, agency, provider, enterprise, commission = scene
    pending = world.code(agency, provider, enterprise, commission, approve=False)
    response = agency_browser.post(f"/agency/codes/{pending['id']}/approve")
    assert response.status_code == 400
    assert "缺少安全校验码" in html_of(response)
    rejected = agency_browser.post(f"/agency/codes/{pending['id']}/reject", data={"reason": "资料不全"})
    assert rejected.status_code == 400
    with app.app_context():
        assert code_row(pending["id"]).status == "pending"


def test_another_agencys_codes_are_not_found_and_stay_unchanged(app, world, agency_browser, scene):
    _world, agency, provider, enterprise, commission = scene
    other = world.agency("海宁市消防救援大队", "0573-87022119")
    other_commission = world.commission(other, provider, category="消防设施检测", scope_items=("消防设施检测",))
    theirs_pending = world.code(other, provider, enterprise, other_commission, approve=False, scope_items=("消防设施检测",))
    theirs_active = world.code(other, provider, enterprise, other_commission, scope_items=("消防设施检测",))
    assert post(agency_browser, f"/agency/codes/{theirs_pending['id']}/approve").status_code == 404
    assert post(agency_browser, f"/agency/codes/{theirs_pending['id']}/reject", {"reason": "x"}).status_code == 404
    assert post(agency_browser, f"/agency/codes/{theirs_active['id']}/revoke", {"reason": "x"}).status_code == 404
    assert post(agency_browser, "/agency/codes/999999/approve").status_code == 404
    with app.app_context():
        assert code_row(theirs_pending["id"]).status == "pending"
        assert code_row(theirs_active["id"]).status == "active"
    assert f'data-code="{theirs_pending["id"]}"' not in html_of(agency_browser.get("/agency/"))
    assert f'data-code="{theirs_active["id"]}"' not in html_of(agency_browser.get("/agency/codes"))


# ---- codes ----------------------------------------------------------------------------------

def test_codes_page_filters_by_status_and_revokes_with_a_reason(app, agency_browser, scene):
    world, agency, provider, enterprise, commission = scene
    active = world.code(agency, provider, enterprise, commission)
    pending = world.code(agency, provider, enterprise, commission, approve=False)
    everything = html_of(agency_browser.get("/agency/codes"))
    assert f'data-code="{active["id"]}"' in everything and f'data-code="{pending["id"]}"' in everything
    only_active = html_of(agency_browser.get("/agency/codes?status=active"))
    assert f'data-code="{active["id"]}"' in only_active and f'data-code="{pending["id"]}"' not in only_active
    assert agency_browser.get("/agency/codes?status=bogus").status_code == 422

    missing = post(agency_browser, f"/agency/codes/{active['id']}/revoke", {"reason": ""}, page="/agency/codes")
    assert missing.status_code == 422 and "请填写理由" in html_of(missing)
    with app.app_context():
        assert code_row(active["id"]).status == "active"

    response = post(agency_browser, f"/agency/codes/{active['id']}/revoke", {"reason": "企业反映人员未到场"},
                    page="/agency/codes")
    assert response.status_code == 302
    with app.app_context():
        code = code_row(active["id"])
        assert (code.status, code.decision_reason) == ("revoked", "企业反映人员未到场")
        assert audit_actions(code.id)[-1] == "code.revoke"
    verdict = world.verify(active["url"])
    assert verdict["reason"] == "revoked"


# ---- dashboard ------------------------------------------------------------------------------

def test_dashboard_shows_the_numbers_the_formula_and_svg_charts(agency_browser, scene):
    world, agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission)
    rated_visits(world, agency, provider, enterprise, [5, 3, 1], code=code)
    response = agency_browser.get("/agency/dashboard?from=2026-12-01&to=2026-12-31")
    html = html_of(response)
    assert response.status_code == 200
    rate = re.search(r'id="fig-rate">\s*<div class="num">([^<]+)</div>', html).group(1)
    assert rate == "67%"
    assert "满意率 =（非常满意 + 满意 + 基本满意）÷ 全部评价" in html and "= 2 ÷ 3" in html
    assert re.search(r'id="fig-ratings"><div class="num">3<', html)
    assert re.search(r'id="fig-bad"><div class="num">1<', html)
    # Each rating of a code of its own: three codes approved.
    assert re.search(r'id="fig-codes"><div class="num">3<', html)
    trend = re.search(r'id="chart-trend">(<svg.*?</svg>)', html, re.S).group(1)
    assert 'data-month="2026-12" data-value="3"' in trend and ">67%<" in trend
    assert "WenQuanYi Micro Hei" in trend and "Noto Sans CJK SC" in trend
    ranking = re.search(r'id="chart-ranking">(<svg.*?</svg>)', html, re.S).group(1)
    assert "浙江安远安全技术咨询有限公司" in ranking and "67%（3 条）" in ranking


def test_dashboard_filters_narrow_the_numbers(world, agency_browser, scene):
    _world, agency, provider, enterprise, commission = scene
    rival = world.provider("海宁市安和安全咨询服务有限公司", staff=(("周强", "13800000001", "工程师"),))
    fire = world.commission(agency, rival, category="消防设施检测", scope_items=("消防设施检测",))
    rated_visits(world, agency, provider, enterprise, [5, 5], code=world.code(agency, provider, enterprise, commission))
    rated_visits(world, agency, rival, enterprise, [1, 2],
                 code=world.code(agency, rival, enterprise, fire, scope_items=("消防设施检测",)))

    def rate_and_count(query):
        html = html_of(agency_browser.get("/agency/dashboard?" + query))
        rate = re.search(r'id="fig-rate">\s*<div class="num">([^<]+)</div>', html).group(1)
        count = re.search(r'id="fig-ratings"><div class="num">(\d+)<', html).group(1)
        return rate, int(count), html

    rate, count, html = rate_and_count("from=2026-12-01&to=2026-12-31")
    assert (rate, count) == ("50%", 4)
    # The ranking puts the better provider first.
    assert html.index(f'data-provider="{provider.id}"') < html.index(f'data-provider="{rival.id}"')
    assert rate_and_count(f"from=2026-12-01&to=2026-12-31&provider={provider.id}")[:2] == ("100%", 2)
    assert rate_and_count("from=2026-12-01&to=2026-12-31&category=消防设施检测")[:2] == ("0%", 2)
    assert rate_and_count("from=2026-11-01&to=2026-11-30")[:2] == ("—", 0)


def test_dashboard_buckets_ratings_by_shanghai_month(world, browser):
    set_clock_shanghai(2026, 11, 20)
    world.admin = world.login("admin")  # tokens signed "later" on the frozen clock do not count yet
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise, valid_from=date(2026, 11, 20), valid_until=date(2026, 12, 31))
    _code, visit_id = world.completed_visit(agency, provider, enterprise, code)
    set_clock_shanghai(2026, 11, 30, 23, 30)   # 15:30 UTC on 30 November: November
    enterprise.headers = world.login(enterprise.username)
    assert world.rate(enterprise, visit_id, 5).status_code == 201
    set_clock_shanghai(2026, 12, 1, 0, 30)     # 16:30 UTC on 30 November: December in Shanghai
    enterprise.headers, provider.headers = world.login(enterprise.username), world.login(provider.username)
    rated_visits(world, agency, provider, enterprise, [2], code=code)
    set_clock_shanghai(2026, 12, 3, 10)
    sign_in(browser, agency.username)
    agency_browser = browser
    html = html_of(agency_browser.get("/agency/dashboard?from=2026-11-01&to=2026-12-31"))
    months = re.findall(r"<tr><td>(2026-\d\d)</td><td>(\d+)</td><td>(\d+)</td>\s*<td>(\d+)</td><td>([^<]+)</td></tr>",
                        html)
    assert months == [("2026-11", "1", "1", "1", "100%"), ("2026-12", "0", "1", "0", "0%")]
    assert 'data-month="2026-11" data-value="1"' in html and 'data-month="2026-12" data-value="1"' in html


@pytest.mark.parametrize("query, field, text", [
    ("from=2026-13-01", "from", "日期格式须为 YYYY-MM-DD"),
    ("from=2026-12-31&to=2026-12-01", "to", "结束日期不能早于开始日期"),
    ("from=0001-01-01&to=2026-12-01", "from", "日期须在 2000-01-01 至 2099-12-31 之间"),
    ("provider=abc", "provider", "请从列表中选择机构"),
    (f"provider={2**70}", "provider", "请从列表中选择机构"),
    ("provider=0", "provider", "请从列表中选择机构"),
    ("from=2000-01-01&to=9999-12-31", "to", "日期须在 2000-01-01 至 2099-12-31 之间"),
])
def test_dashboard_with_bad_filters_says_why(agency_browser, scene, query, field, text):
    response = agency_browser.get("/agency/dashboard?" + query)
    assert response.status_code == 422
    assert re.search(rf'data-field="{field}">{re.escape(text)}', html_of(response))
    assert "<svg" not in html_of(response)


# ---- bad reviews ----------------------------------------------------------------------------

def test_reviews_filtered_by_a_provider_id_no_row_can_have_is_a_422_not_an_overflow(agency_browser, scene):
    response = agency_browser.get(f"/agency/reviews?provider={2**70}")

    assert response.status_code == 422
    assert "请从列表中选择机构" in html_of(response)


def test_reviews_page_lists_bad_reviews_with_the_enterprise_and_rater(world, agency_browser, scene):
    _world, agency, provider, enterprise, commission = scene
    rated_visits(world, agency, provider, enterprise, [5], code=world.code(agency, provider, enterprise, commission),
                 comment="讲解清楚")
    code = world.code(agency, provider, enterprise, commission)
    rated_visits(world, agency, provider, enterprise, [4], code=code, flags=["forced_sales"], comment="现场推销灭火器")
    other = world.agency("海宁市消防救援大队", "0573-87022119")
    elsewhere = world.enterprise("海宁市另一家企业有限公司")
    rated_visits(world, other, provider, elsewhere, [1], code=world.code(
        other, provider, elsewhere, world.commission(other, provider)), comment="别的委托单位的差评")
    html = html_of(agency_browser.get("/agency/reviews"))
    assert html.count("data-rating=") == 1
    for text in ("浙江安远安全技术咨询有限公司", "海宁兴隆恒远皮革有限公司", enterprise.username, "满意",
                 "强制推销", "现场推销灭火器", code["human_code"], "2026-12-03 10:00"):
        assert text in html
    assert "讲解清楚" not in html and "别的委托单位的差评" not in html
    assert 'data-case="open"' in html and "核实期限 2026-12-04 23:59" in html and "data-overdue" not in html


def test_reviews_page_shows_a_case_past_its_contact_deadline_as_overdue(world, agency_browser, scene):
    _world, agency, provider, enterprise, commission = scene
    rated_visits(world, agency, provider, enterprise, [1], code=world.code(agency, provider, enterprise, commission))
    set_clock_shanghai(2026, 12, 7, 9)  # Monday: Friday 4 December was the last day to contact
    html = html_of(agency_browser.get("/agency/reviews"))
    assert 'data-case="open"' in html and 'data-overdue="contact"' in html and "核实超期" in html
    assert 'data-overdue="rectify"' not in html


# ---- standing: exit and reinstate -----------------------------------------------------------

def test_manual_exit_revokes_the_providers_codes_under_my_agency_only(app, world, agency_browser, scene):
    _world, agency, provider, enterprise, commission = scene
    active = world.code(agency, provider, enterprise, commission)
    pending = world.code(agency, provider, enterprise, commission, approve=False)
    other = world.agency("海宁市消防救援大队", "0573-87022119")
    elsewhere = world.code(other, provider, enterprise, world.commission(other, provider))

    missing = post(agency_browser, f"/agency/standing/{provider.id}/exit", {"reason": " "}, page="/agency/standing")
    assert missing.status_code == 422 and "请填写理由（500 字以内）" in html_of(missing)
    with app.app_context():
        assert code_row(active["id"]).status == "active"

    response = post(agency_browser, f"/agency/standing/{provider.id}/exit", {"reason": "多次强制推销，经核实属实"},
                    page="/agency/standing")
    assert response.status_code == 302
    with app.app_context():
        assert code_row(active["id"]).status == "revoked"
        assert code_row(pending["id"]).status == "revoked"
        assert code_row(active["id"]).decision_reason == "机构退出：多次强制推销，经核实属实"
        assert code_row(elsewhere["id"]).status == "active"
        row = db.session.scalar(select(Standing).where(Standing.agency_id == agency.id,
                                                       Standing.provider_id == provider.id))
        assert row.state == "exited" and row.reasons[0]["text"] == "多次强制推销，经核实属实"
        assert audit_actions(row.id, "standings") == ["standing.exited"]
        assert audit_actions(active["id"])[-1] == "code.revoke_on_exit"
    assert world.verify(active["url"])["reason"] == "provider_exited"
    assert world.verify(elsewhere["url"])["reason"] == "ok"
    html = html_of(agency_browser.get("/agency/standing"))
    assert 'data-status="exited"' in html and "多次强制推销，经核实属实" in html
    assert post(agency_browser, f"/agency/standing/{provider.id}/exit", {"reason": "再次"},
                page="/agency/standing").status_code == 302
    assert "该机构已经退出" in html_of(agency_browser.get("/agency/standing"))


def test_reinstating_needs_a_reason(app, agency_browser, scene):
    world, agency, provider, enterprise, commission = scene
    post(agency_browser, f"/agency/standing/{provider.id}/exit", {"reason": "服务不到位"}, page="/agency/standing")
    missing = post(agency_browser, f"/agency/standing/{provider.id}/reinstate", {"reason": ""}, page="/agency/standing")
    assert missing.status_code == 422 and "请填写理由" in html_of(missing)
    with app.app_context():
        assert db.session.scalar(select(Standing.state).where(Standing.provider_id == provider.id)) == "exited"
    response = post(agency_browser, f"/agency/standing/{provider.id}/reinstate", {"reason": "已完成整改并通过复核"},
                    page="/agency/standing")
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(Standing).where(Standing.provider_id == provider.id))
        assert row.state == "reinstated" and row.reasons[0]["text"] == "已完成整改并通过复核"
    assert 'data-status="reinstated"' in html_of(agency_browser.get("/agency/standing"))


@pytest.mark.parametrize("action, state, message", [
    ("reinstate", "good", "该机构未被暂停或退出，无需恢复"),
    ("reinstate", "warned", "该机构未被暂停或退出，无需恢复"),
    ("exit", "exited", "该机构已经退出"),
])
def test_a_decision_the_state_does_not_allow_says_so_even_without_a_reason(app, world, agency_browser, scene,
                                                                          action, state, message):
    # The page shows no form for it, so a field error would be shown nowhere: the state is the answer.
    _world, agency, provider, enterprise, commission = scene
    world.set_standing(agency, provider, state)
    before = world.snapshot()

    response = post(agency_browser, f"/agency/standing/{provider.id}/{action}", {"reason": ""}, page="/agency/standing")

    assert response.status_code == 302 and response.headers["Location"] == "/agency/standing"
    assert message in html_of(agency_browser.get("/agency/standing"))
    assert world.snapshot() == before


def test_standing_page_shows_the_window_the_rules_read_and_the_ratings_behind_a_rule(agency_browser, scene):
    world, agency, provider, enterprise, commission = scene
    rated_visits(world, agency, provider, enterprise, [5, 1, 2, 1],
                 code=world.code(agency, provider, enterprise, commission))
    html = html_of(agency_browser.get("/agency/standing"))
    row = re.search(rf'<tr data-provider="{provider.id}">(.*?)</tr>', html, re.S).group(1)
    assert 'data-status="exited"' in row
    assert "<strong>25%</strong>" in row and "最近 4 次评价中满意 1 次" in row
    assert "90 天内 3 次" in row and 'data-rule="bad_reviews"' in row
    assert row.count("非常不满意") == 2 and row.count(">#") == 3


# ---- export ---------------------------------------------------------------------------------

def test_export_is_a_workbook_with_three_sheets_of_my_agency(world, agency_browser, scene):
    _world, agency, provider, enterprise, commission = scene
    code = rated_visits(world, agency, provider, enterprise, [2], flags=["out_of_scope"], comment="超出约定范围",
                        code=world.code(agency, provider, enterprise, commission))
    other = world.agency("海宁市消防救援大队", "0573-87022119")
    world.code(other, provider, enterprise, world.commission(other, provider))
    response = agency_browser.get("/agency/export.xlsx?from=2026-12-01&to=2026-12-31")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == ["服务码", "入企记录", "评价"]
    codes = list(book["服务码"].values)
    assert codes[0][:4] == ("服务码编号", "机构名称", "机构统一社会信用代码", "企业名称")
    assert len(codes) == 2
    row = dict(zip(codes[0], codes[1]))
    assert row["服务码编号"] == code["human_code"] and row["状态"] == "生效中"
    assert row["有效期起"] == datetime(2026, 12, 1) and row["审核时间"] == datetime(2026, 12, 3, 10, 0)
    visits = list(book["入企记录"].values)
    assert "入企时间" in visits[0] and "离开时间" in visits[0] and "服务小结" in visits[0]
    assert dict(zip(visits[0], visits[1]))["服务小结"] == "完成隐患排查，发现 2 处问题，已当场告知"
    ratings = list(book["评价"].values)
    rating = dict(zip(ratings[0], ratings[1]))
    assert (rating["评价等级"], rating["问题标记"], rating["评价内容"]) == (2, "超范围服务", "超出约定范围")
    # Stored in UTC (02:00), written as Asia/Shanghai wall-clock time.
    assert rating["评价时间"] == datetime(2026, 12, 3, 10, 0) and rating["评价人"] == enterprise.username


@pytest.mark.parametrize("query, text", [
    ("from=2026-02-30&to=2026-03-01", "日期格式须为 YYYY-MM-DD"),
    ("from=2026-12-31&to=2026-01-01", "结束日期不能早于开始日期"),
    ("from=1900-01-01&to=2026-01-01", "日期须在 2000-01-01 至 2099-12-31 之间"),
])
def test_export_with_bad_dates_says_why_in_chinese(agency_browser, scene, query, text):
    response = agency_browser.get("/agency/export.xlsx?" + query)
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("text/html")
    assert "无法导出" in html_of(response) and text in html_of(response)


# ---- who may open the console ---------------------------------------------------------------

AGENCY_PAGES = ["/agency/", "/agency/codes", "/agency/dashboard", "/agency/reviews", "/agency/standing",
                "/agency/export.xlsx?from=2026-12-01&to=2026-12-31"]


@pytest.mark.parametrize("path", AGENCY_PAGES)
@pytest.mark.parametrize("role", ["provider", "enterprise", "admin"])
def test_agency_pages_are_forbidden_to_other_roles(world, browser, path, role):
    username = "admin" if role == "admin" else getattr(world, role)().username
    sign_in(browser, username)
    assert browser.get(path).status_code == 403


@pytest.mark.parametrize("path", AGENCY_PAGES)
def test_agency_pages_send_anonymous_visitors_to_sign_in(browser, path):
    response = browser.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_agency_decisions_are_forbidden_to_a_provider(app, world, browser, scene):
    _world, agency, provider, enterprise, commission = scene
    pending = world.code(agency, provider, enterprise, commission, approve=False)
    sign_in(browser, provider.username)
    token = csrf_token(browser, "/login")
    assert browser.post(f"/agency/codes/{pending['id']}/approve", data={"csrf_token": token}).status_code == 403
    assert browser.post(f"/agency/standing/{provider.id}/exit",
                        data={"csrf_token": token, "reason": "x"}).status_code == 403
    with app.app_context():
        assert code_row(pending["id"]).status == "pending"
