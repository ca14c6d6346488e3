"""Every page × every role × another organisation's object.

One table names every page of the app (a new page that is not in it fails the first test), the
roles it is for, and the path of the page for *another* organisation's object. Each role signs in
and opens every page: a page of another audience is 403; the page of another organisation's
code, visit, case or provider is 404 or 403; a list page opens but shows nothing of the other
organisations; an anonymous visitor is sent to sign in. No answer carries the other side's data,
and no request changes the database.
"""
import re

import pytest

from tests.web.forms import csrf_token, html_of, sign_in

ROLES = ("admin", "agency", "provider", "enterprise")
EVERY_ROLE = set(ROLES)

# endpoint: (method, path, roles the page is for, form fields). {code}, {pending}, {visit},
# {open_visit}, {case}, {provider} and {user} are the other side's objects (see ``theirs``).
PAGES = {
    "index": ("GET", "/", EVERY_ROLE, None),
    "governance.notifications": ("GET", "/notifications", EVERY_ROLE, None),
    "governance.notifications_read": ("POST", "/notifications/read", EVERY_ROLE, {"id": "{notification}"}),
    # admin
    "admin.orgs": ("GET", "/admin/", {"admin"}, None),
    "admin.users": ("GET", "/admin/users", {"admin"}, None),
    "admin.catalog_page": ("GET", "/admin/catalog", {"admin"}, None),
    "admin.set_active": ("POST", "/admin/users/{user}/disable", {"admin"}, None),
    "admin.reset_password": ("POST", "/admin/users/{user}/password", {"admin"}, {"password": "new-secret-42"}),
    # agency
    "agency.queue": ("GET", "/agency/", {"agency"}, None),
    "agency.codes": ("GET", "/agency/codes", {"agency"}, None),
    "agency.dashboard": ("GET", "/agency/dashboard", {"agency"}, None),
    "agency.export_xlsx": ("GET", "/agency/export.xlsx", {"agency"}, None),
    "agency.reviews": ("GET", "/agency/reviews", {"agency"}, None),
    "agency.standing_page": ("GET", "/agency/standing", {"agency"}, None),
    "agency.approve": ("POST", "/agency/codes/{pending}/approve", {"agency"}, None),
    "agency.reject": ("POST", "/agency/codes/{pending}/reject", {"agency"}, {"reason": "资质材料不全"}),
    "agency.revoke": ("POST", "/agency/codes/{code}/revoke", {"agency"}, {"reason": "服务已取消"}),
    "agency.exit_provider": ("POST", "/agency/standing/{provider}/exit", {"agency"}, {"reason": "多次差评"}),
    "agency.reinstate": ("POST", "/agency/standing/{provider}/reinstate", {"agency"}, {"reason": "整改到位"}),
    "governance.agency_cases": ("GET", "/agency/cases", {"agency"}, None),
    "governance.agency_contact": ("POST", "/agency/cases/{case}/contact", {"agency"}, {"note": "已电话回访"}),
    "governance.agency_flags": ("POST", "/agency/cases/{case}/flags", {"agency"},
                                {"decision": "confirmed", "note": "查实"}),
    "governance.agency_close": ("POST", "/agency/cases/{case}/close", {"agency"}, {"note": "办结"}),
    "governance.agency_rules": ("GET", "/agency/rules", {"agency"}, None),
    "governance.agency_scans": ("GET", "/agency/scans", {"agency"}, None),
    # provider
    "provider.codes": ("GET", "/provider/codes", {"provider"}, None),
    "provider.apply": ("GET", "/provider/codes/new?commission_id={commission}", {"provider"}, None),
    "provider.apply.post": ("POST", "/provider/codes/new?commission_id={commission}", {"provider"},
                            {"enterprise_uscc": "{enterprise_uscc}", "scope_items": "安全培训",
                             "valid_from": "2026-12-10", "valid_until": "2026-12-20", "purpose": "年度服务"}),
    "provider.code_detail": ("GET", "/provider/codes/{code}", {"provider"}, None),
    "provider.show": ("GET", "/provider/codes/{code}/show", {"provider"}, None),
    "provider.card": ("GET", "/provider/codes/{code}/card", {"provider"}, None),
    "provider.code_qr": ("GET", "/provider/codes/{code}/qr.png", {"provider"}, None),
    "provider.dynamic_qr": ("GET", "/provider/codes/{code}/dynamic.svg", {"provider"}, None),
    "provider.reissue": ("POST", "/provider/codes/{code}/reissue", {"provider"}, None),
    "provider.visits": ("GET", "/provider/visits", {"provider"}, None),
    "provider.complete_visit": ("POST", "/provider/visits/{open_visit}/complete", {"provider"},
                                {"summary": "已完成"}),
    "provider.ratings": ("GET", "/provider/ratings", {"provider"}, None),
    "provider.standing": ("GET", "/provider/standing", {"provider"}, None),
    "governance.provider_cases": ("GET", "/provider/cases", {"provider"}, None),
    "governance.provider_rectification": ("POST", "/provider/cases/{case}/rectification", {"provider"},
                                          {"note": "已整改"}),
    # enterprise
    "enterprise.visits": ("GET", "/enterprise/visits", {"enterprise"}, None),
    "enterprise.enter_code": ("GET", "/enterprise/enter-code", {"enterprise"}, None),
    "enterprise.checkout": ("POST", "/enterprise/visits/{open_visit}/checkout", {"enterprise"}, None),
    "enterprise.report_forced_sales": ("POST", "/enterprise/visits/{open_visit}/report", {"enterprise"}, None),
    "enterprise.rate": ("GET", "/enterprise/visits/{visit}/rate", {"enterprise"}, None),
    "enterprise.rate.post": ("POST", "/enterprise/visits/{open_visit}/rate", {"enterprise"}, {"level": "5"}),
    "governance.followup": ("GET", "/enterprise/visits/{visit}/followup", {"enterprise"}, None),
    "governance.followup.post": ("POST", "/enterprise/visits/{visit}/followup", {"enterprise"}, {"level": "4"}),
}
# Pages for everyone, proven by their own tests: sign-in, the scan page behind every QR, the
# load balancer's health check.
PUBLIC = {"auth.login", "auth.logout", "scan.scan_page", "healthz"}


@pytest.fixture
def theirs(app, world):
    """The other side: an agency, provider and enterprise with a code, a rated visit whose bad
    review opened a case, an open visit, a pending code and a message — none of them ours."""
    from sqlalchemy import select

    from server.extensions import db
    from server.models import Notification, ReviewCase

    agency = world.agency(name="嘉兴市港区市场监督管理局", phone="0573-85551234")
    provider = world.provider(name="嘉兴禾信检测技术有限公司", staff=(("钱秀英", "13905738812", "检测员"),))
    enterprise = world.enterprise(name="海宁云岭纺织有限公司")
    commission = world.commission(agency, provider)
    code, visit_id = world.completed_visit(agency, provider, enterprise,
                                           world.code(agency, provider, enterprise, commission, purpose="乙方专属服务目的"))
    assert world.rate(enterprise, visit_id, 1, ["forced_sales"], "乙方企业的差评内容").status_code == 201
    second = world.code(agency, provider, enterprise, commission, scope_items=("安全培训",), purpose="乙方专属服务目的")
    _, open_visit_id = world.visit(agency, provider, enterprise, second)
    pending = world.code(agency, provider, enterprise, commission, approve=False, purpose="乙方专属服务目的")
    with app.app_context():
        case_id = db.session.scalar(select(ReviewCase.id))
        notification_id = db.session.scalar(select(Notification.id).where(Notification.org_id == provider.id))
    assert case_id and notification_id
    ids = {"code": code["id"], "pending": pending["id"], "visit": visit_id, "open_visit": open_visit_id,
           "case": case_id, "provider": provider.id, "user": world.user_id(enterprise),
           "commission": commission["id"], "notification": notification_id,
           "enterprise_uscc": enterprise.uscc}
    markers = ("嘉兴禾信检测技术有限公司", "海宁云岭纺织有限公司", "嘉兴市港区市场监督管理局", "钱秀英",
               "乙方专属服务目的", "乙方企业的差评内容")
    return ids, markers


@pytest.fixture
def ours(world):
    """The signed-in side: one organisation of each kind, with a commission and a code of their own."""
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    world.completed_visit(agency, provider, enterprise)
    return {"agency": agency, "provider": provider, "enterprise": enterprise}


def request_page(browser, endpoint, ids, token):
    method, path, _, form = PAGES[endpoint]
    path = path.format(**ids)
    if method == "GET":
        return browser.get(path)
    data = {key: value.format(**ids) for key, value in (form or {}).items()}
    return browser.post(path, data={"csrf_token": token, **data})


def test_every_page_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if not rule.rule.startswith(("/api/", "/static/"))}
    listed = {endpoint.split(".post")[0] for endpoint in PAGES} | PUBLIC
    assert endpoints - listed == set(), "pages missing from the access matrix"
    assert listed - endpoints == set(), "pages in the matrix that do not exist"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role_never_shows_another_organisations_data(app, world, ours, theirs, role, subtests):
    ids, markers = theirs
    browser = app.test_client()
    username = "admin" if role == "admin" else ours[role].username
    assert sign_in(browser, username).status_code == 302
    token = csrf_token(browser, "/notifications")
    before = world.snapshot()
    for endpoint, (method, path, roles, _) in PAGES.items():
        if role == "admin" and endpoint.startswith("admin.") and method == "POST":
            continue  # The admin manages every organisation's accounts (tests/web/test_admin_pages.py).
        with subtests.test(page=endpoint):
            response = request_page(browser, endpoint, ids, token)
            html = html_of(response) if response.mimetype.startswith(("text/", "application/json")) else ""
            if role not in roles:
                assert response.status_code == 403, (endpoint, response.status_code)
            elif "{" in path or "id" in (PAGES[endpoint][3] or {}):
                # Another organisation's object: as if it did not exist.
                assert response.status_code in (403, 404), (endpoint, response.status_code, html[:300])
            else:
                assert response.status_code in (200, 302), (endpoint, response.status_code, html[:300])
            if role != "admin" or not endpoint.startswith("admin."):
                # The admin manages every organisation; everyone else sees only their own.
                leaked = [marker for marker in markers if marker in html]
                assert leaked == [], (endpoint, leaked)
    assert world.snapshot() == before


def test_every_page_sends_an_anonymous_visitor_to_sign_in(app, world, theirs, subtests):
    ids, markers = theirs
    browser = app.test_client()
    token = csrf_token(browser, "/login")
    before = world.snapshot()
    for endpoint, (method, path, _, _) in PAGES.items():
        with subtests.test(page=endpoint):
            response = request_page(browser, endpoint, ids, token)
            if endpoint == "index":
                # The front page is public: what the system is and where to sign in.
                assert response.status_code == 200
            else:
                assert response.status_code == 302, (endpoint, response.status_code)
                assert re.match(r"^/login(\?|$)", response.headers["Location"]), response.headers["Location"]
            assert [marker for marker in markers if marker in html_of(response)] == []
    assert world.snapshot() == before
