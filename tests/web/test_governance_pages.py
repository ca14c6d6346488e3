"""Governance pages: the agency's cases (contact, red-line decision, close), exit rules and failed
scans; the provider's rectification; the enterprise's case progress and follow-up rating;
notifications with the top bar's unread badge; and who may open or post to them."""
import re

import pytest
from sqlalchemy import func, select

from server import clock
from server.extensions import db
from server.models import AuditEntry, ExitRule, Notification, Rating, ReviewCase
from tests.conftest import set_clock_shanghai
from tests.web.forms import html_of, signed_in
from tests.web.forms import post_form as post



def case_row(case_id):
    db.session.expire_all()
    return db.session.get(ReviewCase, case_id)


def case_state(case_id):
    case = case_row(case_id)
    return (case.contacted_at, case.contact_note, case.rectified_at, case.flag_decision, case.closed_at)


def flashes(response):
    return re.findall(r'<div class="flash (\w+)" role="status">([^<]*)</div>', html_of(response))


def form_of(html, case_id, step):
    """The HTML of one case's form (``data-form``), up to its end."""
    start = html.index(f'action="/agency/cases/{case_id}/{step}"' if step != "rectification"
                       else f'action="/provider/cases/{case_id}/{step}"')
    return html[start:html.index("</form>", start)]


@pytest.fixture
def scene(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code, visit_id = world.completed_visit(agency, provider, enterprise)
    response = world.rate(enterprise, visit_id, 2, ["forced_sales"], "服务人员推销灭火器")
    assert response.status_code == 201, response.get_json()
    return world, agency, provider, enterprise, code, visit_id


@pytest.fixture
def case_id(app, scene):
    with app.app_context():
        return db.session.scalar(select(ReviewCase.id))


@pytest.fixture
def agency_browser(app, scene):
    return signed_in(app.test_client(), scene[1].username)


@pytest.fixture
def provider_browser(app, scene):
    return signed_in(app.test_client(), scene[2].username)


@pytest.fixture
def enterprise_browser(app, scene):
    return signed_in(app.test_client(), scene[3].username)


# ---- the agency's cases ---------------------------------------------------------------------

def test_agency_case_list_shows_the_case_real_name_with_its_deadlines(agency_browser, scene, case_id):
    world, agency, provider, enterprise, code, visit_id = scene

    html = html_of(agency_browser.get("/agency/cases"))

    assert f'id="case-{case_id}"' in html
    assert "浙江安远安全技术咨询有限公司" in html and "海宁兴隆恒远皮革有限公司" in html
    assert enterprise.username in html and "服务人员推销灭火器" in html
    assert 'data-case-status="open"' in html
    assert "期限 2026-12-04 23:59" in html and "期限 2026-12-18 23:59" in html
    assert 'data-overdue="0"' in html and "逾期</span>" not in html
    assert {'data-form="contact"', 'data-form="flags"'} <= set(re.findall(r'data-form="\w+"', html))
    assert 'data-form="close"' not in html


def test_an_overdue_case_is_marked_red_and_counted(agency_browser, scene, case_id):
    set_clock_shanghai(2026, 12, 5, 0, 1)

    html = html_of(agency_browser.get("/agency/cases"))

    assert 'id="overdue-count" data-overdue="1"' in html
    assert '<span class="chip red" data-overdue="contact">逾期</span>' in html
    assert "期限 2026-12-04 23:59 · 已逾期" in html


def test_agency_contacts_decides_the_red_line_and_closes_through_the_forms(app, agency_browser, scene, case_id):
    world, agency, provider, enterprise, code, visit_id = scene

    response = post(agency_browser, f"/agency/cases/{case_id}/contact", {"note": "电话回访企业负责人，情况属实"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/agency/cases#case-{case_id}"
    response = post(agency_browser, f"/agency/cases/{case_id}/flags",
                    {"decision": "dismissed", "note": "核实为企业误解，未收费"})
    assert response.status_code == 302
    response = post(agency_browser, f"/agency/cases/{case_id}/close", {"note": "已核实，办结"})
    assert response.status_code == 302
    page = agency_browser.get("/agency/cases")

    assert ("ok", "案件已办结") in flashes(page)
    with app.app_context():
        case = case_row(case_id)
        assert (case.contact_note, case.flag_decision, case.flag_note, case.close_note) == (
            "电话回访企业负责人，情况属实", "dismissed", "核实为企业误解，未收费", "已核实，办结")
        assert clock.as_utc(case.closed_at) == clock.now()
        assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "review_cases")
                                  .order_by(AuditEntry.id)).all() == [
            "case.open", "case.contact", "case.flag_dismissed", "case.close"]
    html = html_of(page)
    assert 'data-case-status="closed"' in html and 'data-flag-decision="dismissed"' in html
    assert "data-form=" not in html


def test_confirming_the_red_line_on_the_page_exits_the_provider(app, agency_browser, scene, case_id):
    world, agency, provider, enterprise, code, visit_id = scene

    response = post(agency_browser, f"/agency/cases/{case_id}/flags",
                    {"decision": "confirmed", "note": "经核实，确有强制推销"})

    assert response.status_code == 302
    standing = world.client.get("/api/v1/providers/me/standing", headers=provider.headers).get_json()
    assert standing["standing"] == "exited"


def test_case_form_errors_are_shown_at_their_field_and_change_nothing(app, agency_browser, scene, case_id):
    with app.app_context():
        before = case_state(case_id)

    empty = post(agency_browser, f"/agency/cases/{case_id}/contact", {"note": "  "})
    undecided = post(agency_browser, f"/agency/cases/{case_id}/flags", {"note": "核实中"})

    assert empty.status_code == 422
    assert '<div class="field-error" data-field="note">请填写处理情况（2000 字以内）</div>' in form_of(html_of(empty), case_id, "contact")
    assert undecided.status_code == 422
    flags_form = form_of(html_of(undecided), case_id, "flags")
    assert 'data-field="decision"' in flags_form and ">核实中</textarea>" in flags_form
    with app.app_context():
        assert case_state(case_id) == before


def test_a_state_conflict_is_a_flash_message(app, agency_browser, scene, case_id):
    with app.app_context():
        before = case_state(case_id)

    response = post(agency_browser, f"/agency/cases/{case_id}/close", {"note": "办结"})

    assert response.status_code == 302
    assert flashes(agency_browser.get("/agency/cases")) == [("error", "请先登记联系企业核实的情况")]
    with app.app_context():
        assert case_state(case_id) == before


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(app, agency_browser, provider_browser, scene,
                                                                     case_id):
    with app.app_context():
        before = case_state(case_id)

    assert agency_browser.post(f"/agency/cases/{case_id}/contact", data={"note": "x"}).status_code == 400
    assert provider_browser.post(f"/provider/cases/{case_id}/rectification", data={"note": "x"}).status_code == 400
    assert agency_browser.post("/agency/rules", data={"window": "30"}).status_code == 400
    assert agency_browser.post("/notifications/read", data={}).status_code == 400

    with app.app_context():
        assert case_state(case_id) == before
        assert db.session.scalars(select(ExitRule)).all() == []
        assert db.session.scalars(select(Notification).where(Notification.read_at.is_not(None))).all() == []


def test_another_organisations_case_is_not_found(app, world, scene, case_id):
    other_agency = world.agency(name="海宁市市场监督管理局")
    other_provider = world.provider(name="嘉兴正信检测技术有限公司")
    agency_page = signed_in(app.test_client(), other_agency.username)
    provider_page = signed_in(app.test_client(), other_provider.username)
    with app.app_context():
        before = case_state(case_id)

    assert f'id="case-{case_id}"' not in html_of(agency_page.get("/agency/cases"))
    assert post(agency_page, f"/agency/cases/{case_id}/contact", {"note": "x"}).status_code == 404
    assert post(agency_page, f"/agency/cases/{case_id}/close", {"note": ""}).status_code == 404
    assert post(provider_page, f"/provider/cases/{case_id}/rectification", {"note": "x"}).status_code == 404
    assert post(agency_page, "/agency/cases/999/flags", {"decision": "confirmed", "note": "x"}).status_code == 404
    with app.app_context():
        assert case_state(case_id) == before


@pytest.mark.parametrize("role, path", [
    ("provider", "/agency/cases"), ("enterprise", "/agency/cases"), ("provider", "/agency/rules"),
    ("enterprise", "/agency/scans"), ("agency", "/provider/cases"), ("enterprise", "/provider/cases"),
    ("agency", "/enterprise/visits/1/followup"), ("provider", "/enterprise/visits/1/followup"),
])
def test_pages_of_another_audience_are_forbidden(app, scene, role, path):
    world, agency, provider, enterprise, code, visit_id = scene
    org = {"agency": agency, "provider": provider, "enterprise": enterprise}[role]
    browser = signed_in(app.test_client(), org.username)
    assert browser.get(path).status_code == 403


def test_posts_of_another_audience_are_forbidden(app, provider_browser, enterprise_browser, scene, case_id):
    with app.app_context():
        before = case_state(case_id)
    assert post(provider_browser, f"/agency/cases/{case_id}/contact", {"note": "x"}).status_code == 403
    assert post(enterprise_browser, f"/provider/cases/{case_id}/rectification", {"note": "x"}).status_code == 403
    assert post(provider_browser, "/agency/rules", {"window": "30"}).status_code == 403
    with app.app_context():
        assert case_state(case_id) == before


@pytest.mark.parametrize("path", ["/agency/cases", "/agency/rules", "/agency/scans", "/provider/cases",
                                  "/enterprise/visits/1/followup", "/notifications"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# ---- the provider's rectification -----------------------------------------------------------

def test_provider_reads_its_case_anonymously_and_reports_rectification(app, agency_browser, provider_browser, scene,
                                                                       case_id):
    world, agency, provider, enterprise, code, visit_id = scene
    post(agency_browser, f"/agency/cases/{case_id}/contact", {"note": "电话回访王经理，情况属实"})

    html = html_of(provider_browser.get("/provider/cases"))
    assert f'id="case-{case_id}"' in html and "服务人员推销灭火器" in html and "期限 2026-12-18 23:59" in html
    assert enterprise.name not in html and enterprise.username not in html and "王经理" not in html

    empty = post(provider_browser, f"/provider/cases/{case_id}/rectification", {"note": ""})
    assert empty.status_code == 422
    assert 'data-field="note"' in form_of(html_of(empty), case_id, "rectification")
    response = post(provider_browser, f"/provider/cases/{case_id}/rectification", {"note": "已培训服务人员，停止推销"})

    assert response.status_code == 302 and response.headers["Location"] == f"/provider/cases#case-{case_id}"
    page = provider_browser.get("/provider/cases")
    assert ("ok", "已提交整改报告") in flashes(page)
    assert "data-form=" not in html_of(page) and 'data-case-status="rectified"' in html_of(page)
    with app.app_context():
        assert case_row(case_id).rectification_note == "已培训服务人员，停止推销"
    assert post(provider_browser, f"/provider/cases/{case_id}/rectification", {"note": "再报"}).status_code == 302
    assert flashes(provider_browser.get("/provider/cases")) == [("error", "已报告过整改，或案件已办结")]


# ---- the enterprise's progress and follow-up ------------------------------------------------

def test_enterprise_sees_the_progress_and_adds_a_follow_up_rating(app, agency_browser, enterprise_browser, scene,
                                                                  case_id):
    world, agency, provider, enterprise, code, visit_id = scene
    set_clock_shanghai(2026, 12, 4, 9, 30)
    post(agency_browser, f"/agency/cases/{case_id}/contact", {"note": "已电话回访"})

    html = html_of(enterprise_browser.get("/enterprise/visits"))
    assert '<li class="done" data-step="opened">已受理 2026-12-03</li>' in html
    assert '<li class="done" data-step="contact">委托单位已联系核实 2026-12-04</li>' in html
    assert '<li class="" data-step="rectify">待机构整改</li>' in html
    assert f'href="/enterprise/visits/{visit_id}/followup"' in html

    form = enterprise_browser.get(f"/enterprise/visits/{visit_id}/followup")
    assert form.status_code == 200 and 'id="followup-note"' in html_of(form)
    missing = post(enterprise_browser, f"/enterprise/visits/{visit_id}/followup", {"comment": "好些了"},
                   page=f"/enterprise/visits/{visit_id}/followup")
    assert missing.status_code == 422 and 'data-field="level"' in html_of(missing)
    response = post(enterprise_browser, f"/enterprise/visits/{visit_id}/followup", {"level": "4", "comment": "整改后规范了"},
                    page=f"/enterprise/visits/{visit_id}/followup")

    assert response.status_code == 302 and response.headers["Location"] == "/enterprise/visits"
    with app.app_context():
        assert db.session.execute(select(Rating.level, Rating.followup, Rating.comment)
                                  .where(Rating.visit_id == visit_id).order_by(Rating.id)).all() == [
            (2, False, "服务人员推销灭火器"), (4, True, "整改后规范了")]
    html = html_of(enterprise_browser.get("/enterprise/visits"))
    assert 'data-followup="4"' in html and f'href="/enterprise/visits/{visit_id}/followup"' not in html
    again = enterprise_browser.get(f"/enterprise/visits/{visit_id}/followup")
    assert again.status_code == 302
    assert flashes(enterprise_browser.get("/enterprise/visits")) == [("error", "本次服务现在不能追加评价")]


def test_no_follow_up_page_after_a_good_rating_or_for_another_enterprise(app, world, enterprise_browser, scene):
    world, agency, provider, enterprise, code, visit_id = scene
    _code, good_visit, _rating = world.rated_visit(agency, provider, enterprise, 5, code=code)
    other = signed_in(app.test_client(), world.enterprise(name="海宁安和海川光伏有限公司").username)

    visits_page = html_of(enterprise_browser.get("/enterprise/visits"))
    assert f'href="/enterprise/visits/{good_visit}/followup"' not in visits_page
    assert enterprise_browser.get(f"/enterprise/visits/{good_visit}/followup").status_code == 302
    assert other.get(f"/enterprise/visits/{visit_id}/followup").status_code == 404
    assert post(other, f"/enterprise/visits/{visit_id}/followup", {"level": "5"}).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Rating.id).where(Rating.followup.is_(True))).all() == []


# ---- exit rules -----------------------------------------------------------------------------

RULES_FORM = {"window": "20", "minimum_sample": "10", "warn_below": "0.9", "suspend_below": "0.8",
              "exit_below": "0.7", "bad_reviews_to_exit": "3", "bad_review_days": "90",
              "exit_flags": ["forced_sales", "out_of_scope"]}


def test_rules_page_shows_the_defaults_and_what_each_rule_does(agency_browser):
    html = html_of(agency_browser.get("/agency/rules"))

    for name, value in (("window", "20"), ("minimum_sample", "10"), ("warn_below", "0.9"), ("suspend_below", "0.8"),
                        ("exit_below", "0.7"), ("bad_reviews_to_exit", "3"), ("bad_review_days", "90")):
        assert f'name="{name}" type="text" value="{value}"' in html
    assert 'value="forced_sales" checked> 强制推销' in html and 'value="out_of_scope" checked> 超范围服务' in html
    assert 'value="no_show" > 未按约定到场' in html
    assert 'name="require_dynamic_codes" value="true" >' in html
    assert 'id="rules-help"' in html and "低于暂停赋码线 → 暂停赋码" in html and "目前使用默认规则。" in html


def test_agency_saves_rules_on_the_page_and_the_change_is_audited(app, world, agency_browser, scene):
    world, agency, provider, enterprise, code, visit_id = scene

    response = post(agency_browser, "/agency/rules", {**RULES_FORM, "warn_below": "0.95", "bad_review_days": "60",
                                                      "exit_flags": ["forced_sales", "misconduct"],
                                                      "require_dynamic_codes": "true"}, page="/agency/rules")

    assert response.status_code == 302 and response.headers["Location"] == "/agency/rules"
    assert world.client.get("/api/v1/exit-rules", headers=agency.headers).get_json() == {
        "window": 20, "minimum_sample": 10, "warn_below": 0.95, "suspend_below": 0.8, "exit_below": 0.7,
        "bad_reviews_to_exit": 3, "bad_review_days": 60, "exit_flags": ["forced_sales", "misconduct"],
        "require_dynamic_codes": True, "updated_at": "2026-12-03T10:00:00+08:00"}
    with app.app_context():
        assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "exit_rules")).all() == [
            "exit_rules.update"]
    # Unticking the box (not submitted at all) switches dynamic-only off again.
    post(agency_browser, "/agency/rules", RULES_FORM, page="/agency/rules")
    assert world.client.get("/api/v1/exit-rules", headers=agency.headers).get_json()["require_dynamic_codes"] is False


@pytest.mark.parametrize("change, field, text", [
    ({"exit_below": "0.85"}, "suspend_below", "须满足：退出线 ≤ 暂停线 ≤ 预警线"),
    ({"warn_below": "九成"}, "warn_below", "须为 0 到 1 之间的比例，如 0.9"),
    ({"window": "二十"}, "window", "须为整数"),
    ({"exit_flags": ["forced_sales", "rudeness"]}, "exit_flags", "未知的问题标记：rudeness"),
])
def test_invalid_rules_are_shown_at_their_field_and_nothing_is_stored(app, agency_browser, change, field, text):
    response = post(agency_browser, "/agency/rules", {**RULES_FORM, **change}, page="/agency/rules")

    assert response.status_code == 422
    assert f'<div class="field-error" data-field="{field}">{text}</div>' in html_of(response)
    with app.app_context():
        assert db.session.scalars(select(ExitRule)).all() == []
        assert db.session.scalars(select(AuditEntry.id).where(AuditEntry.action == "exit_rules.update")).all() == []


# ---- failed scans ---------------------------------------------------------------------------

def test_a_forged_code_in_circulation_stands_out_on_the_scans_page(agency_browser, scene):
    world, agency, provider, enterprise, code, visit_id = scene
    forged = code["url"][:-1] + ("A" if code["url"][-1] != "A" else "B")
    world.verify(forged, enterprise.headers)
    world.verify(code["url"], world.enterprise(name="海宁安和海川光伏有限公司").headers)

    html = html_of(agency_browser.get("/agency/scans"))

    assert 'id="forged-count"><div class="num">1</div>' in html
    assert 'id="failed-count"><div class="num">2</div>' in html
    forged_row = re.search(r'<tr class="forged" data-scan="\d+" data-reason="bad_signature">(.*?)</tr>', html, re.S)
    assert forged_row and forged in forged_row.group(1) and "海宁兴隆恒远皮革有限公司" in forged_row.group(1)
    assert '<tr class="" data-scan' in html and 'data-reason="wrong_enterprise"' in html
    by_provider = html[html.index('id="by-provider"'):html.index('id="by-enterprise"')]
    assert '<tr class="forged"><td>浙江安远安全技术咨询有限公司</td><td>2</td><td>1</td></tr>' in by_provider
    assert agency_browser.get("/agency/scans?from=2026-12-09&to=2026-12-01").status_code == 422
    # The form shows the period it counted, asked for or not.
    assert 'name="from" value="2026-01-01"' in html and 'name="to" value="2026-12-03"' in html


# ---- notifications --------------------------------------------------------------------------

@pytest.mark.parametrize("message_id", [str(2**70), "0", "abc"])
def test_marking_a_message_id_no_row_can_have_read_is_a_404_and_marks_nothing(app, provider_browser, scene, message_id):
    world, _agency, provider, *_rest = scene
    with app.app_context():
        unread = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.org_id == provider.id, Notification.read_at.is_(None)))

    response = post(provider_browser, "/notifications/read", {"id": message_id})

    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.org_id == provider.id, Notification.read_at.is_(None))) == unread


def test_notifications_unread_first_with_a_badge_and_mark_read(app, provider_browser, scene):
    world, agency, provider, enterprise, code, visit_id = scene
    world.rated_visit(agency, provider, enterprise, 1, code=code)
    with app.app_context():
        first, second = db.session.scalars(select(Notification.id).where(Notification.org_id == provider.id)
                                           .order_by(Notification.id)).all()

    response = post(provider_browser, "/notifications/read", {"id": str(second)})
    assert response.status_code == 302
    html = html_of(provider_browser.get("/notifications"))

    # The older message is still unread, so it comes first; the badge counts it.
    assert re.findall(r'data-message="(\d+)" data-read="(\w+)"', html) == [(str(first), "false"), (str(second), "true")]
    assert '<span class="badge" data-unread="1">1</span>' in html
    assert html.count('href="/provider/cases#case-') == 2

    post(provider_browser, "/notifications/read")
    html = html_of(provider_browser.get("/notifications"))
    assert 'class="badge"' not in html and 'id="notifications-link"' in html
    with app.app_context():
        assert db.session.scalars(select(Notification.read_at).where(Notification.org_id == agency.id)).all() == [
            None, None]


def test_the_badge_shows_on_every_page_only_when_there_is_something_unread(app, world, agency_browser,
                                                                             enterprise_browser, scene):
    assert '<span class="badge" data-unread="1">1</span>' in html_of(agency_browser.get("/agency/"))
    assert 'class="badge"' not in html_of(enterprise_browser.get("/enterprise/visits"))
    assert 'id="notifications-link"' not in html_of(app.test_client().get("/login"))


def test_marking_another_organisations_message_is_not_found(app, provider_browser, scene):
    world, agency, provider, enterprise, code, visit_id = scene
    with app.app_context():
        agency_message = db.session.scalar(select(Notification.id).where(Notification.org_id == agency.id))

    assert post(provider_browser, "/notifications/read", {"id": str(agency_message)}).status_code == 404

    with app.app_context():
        assert db.session.get(Notification, agency_message).read_at is None


def test_every_verification_reason_has_a_name_on_the_scans_page():
    from server.domain.verifying import MESSAGES
    from server.web.governance import SCAN_REASON_LABELS

    assert set(SCAN_REASON_LABELS) == set(MESSAGES) - {"ok"}
