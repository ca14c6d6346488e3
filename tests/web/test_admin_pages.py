"""Admin pages: organisations, accounts (create, disable, reset password), the service catalogue,
and who may open them."""
import re
from functools import partial

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditEntry, Organisation, ServiceCategory, User
from tests.factories import PASSWORD, make_uscc
from tests.web.forms import csrf_token, html_of, post_form, sign_in

post = partial(post_form, page="/admin/")



def user_named(username):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def last_audit(object_type):
    return db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == object_type)
                             .order_by(AuditEntry.id.desc()).limit(1))


@pytest.fixture
def admin_browser(app, world):
    browser = app.test_client()
    assert sign_in(browser, "admin").status_code == 302
    return browser


# ---- organisations --------------------------------------------------------------------------

def test_admin_registers_an_organisation(app, admin_browser):
    uscc = make_uscc("9")
    response = post(admin_browser, "/admin/", {"kind": "provider", "uscc": uscc, "name": "嘉兴市检测技术有限公司",
                                               "contact_phone": "0573-82000000"})
    assert response.status_code == 302
    html = html_of(admin_browser.get("/admin/"))
    assert "已登记单位：嘉兴市检测技术有限公司" in html and uscc in html
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.uscc == uscc))
        assert (org.kind, org.name, org.contact_phone) == ("provider", "嘉兴市检测技术有限公司", "0573-82000000")
        assert last_audit("organisations") == "org.create"


@pytest.mark.parametrize("uscc, text", [
    ("913304810000000999", "统一社会信用代码无效（18 位，校验位须正确）"),
    ("91330481", "统一社会信用代码须为 18 位"),
])
def test_a_bad_uscc_is_shown_at_the_field_and_nothing_is_stored(app, admin_browser, uscc, text):
    with app.app_context():
        before = db.session.scalar(select(func.count(Organisation.id)))
    response = post(admin_browser, "/admin/", {"kind": "enterprise", "uscc": uscc, "name": "某某有限公司"})
    html = html_of(response)
    assert response.status_code == 422
    assert f'data-field="uscc">{text}' in html
    assert 'value="某某有限公司"' in html  # what was typed stays in the form
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == before


def test_a_registered_uscc_is_refused_at_the_field(app, world, admin_browser):
    enterprise = world.enterprise()
    response = post(admin_browser, "/admin/", {"kind": "enterprise", "uscc": enterprise.uscc, "name": "重复登记"})
    assert response.status_code == 422
    assert 'data-field="uscc">该统一社会信用代码已登记' in html_of(response)


def test_organisations_filter_by_kind_and_name(world, admin_browser):
    agency, enterprise = world.agency(), world.enterprise()
    only_agencies = html_of(admin_browser.get("/admin/?kind=agency"))
    assert f'data-org="{agency.id}"' in only_agencies and f'data-org="{enterprise.id}"' not in only_agencies
    by_name = html_of(admin_browser.get("/admin/?q=皮革"))
    assert f'data-org="{enterprise.id}"' in by_name and f'data-org="{agency.id}"' not in by_name


# ---- accounts -------------------------------------------------------------------------------

def test_admin_creates_an_account_that_can_sign_in(app, world, admin_browser):
    enterprise = world.enterprise()
    response = post(admin_browser, "/admin/users", {"username": "xinglong-2", "password": "long-enough-1",
                                                    "role": "enterprise", "org_uscc": enterprise.uscc},
                    page="/admin/users")
    assert response.status_code == 302
    assert "已创建账号：xinglong-2" in html_of(admin_browser.get("/admin/users"))
    with app.app_context():
        user = user_named("xinglong-2")
        assert (user.role, user.org_id, user.active) == ("enterprise", enterprise.id, True)
    other = app.test_client()
    assert sign_in(other, "xinglong-2", "long-enough-1").headers["Location"] == "/enterprise/visits"


@pytest.mark.parametrize("form, field, text", [
    ({"password": "short"}, "password", "密码至少 8 位"),
    ({"role": "provider"}, "role", "该单位是企业，不能开设此角色的账号"),
    ({"org_uscc": "913304810000000999"}, "org_uscc", "统一社会信用代码无效（18 位，校验位须正确）"),
    ({"username": "a"}, "username", "用户名为 3-64 位字母、数字或 _.-@"),
])
def test_account_form_errors_are_shown_at_the_field(app, world, admin_browser, form, field, text):
    enterprise = world.enterprise()
    data = {"username": "new-user", "password": "long-enough-1", "role": "enterprise", "org_uscc": enterprise.uscc,
            **form}
    response = post(admin_browser, "/admin/users", data, page="/admin/users")
    assert response.status_code == 422
    assert f'data-field="{field}">{text}' in html_of(response)
    with app.app_context():
        assert user_named(data["username"]) is None


def test_a_disabled_account_cannot_sign_in_and_its_session_ends(app, world, admin_browser):
    enterprise = world.enterprise()
    their_browser = app.test_client()
    sign_in(their_browser, enterprise.username)
    assert their_browser.get("/enterprise/visits").status_code == 200
    with app.app_context():
        user_id = user_named(enterprise.username).id

    assert post(admin_browser, f"/admin/users/{user_id}/disable", page="/admin/users").status_code == 302
    with app.app_context():
        assert user_named(enterprise.username).active is False
        assert last_audit("users") == "user.disable"
    ended = their_browser.get("/enterprise/visits")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/login")
    refused = sign_in(app.test_client(), enterprise.username)
    assert refused.status_code == 422 and "用户名或密码错误" in html_of(refused)

    assert post(admin_browser, f"/admin/users/{user_id}/enable", page="/admin/users").status_code == 302
    assert sign_in(app.test_client(), enterprise.username).status_code == 302
    # Enabled again, the account signs in afresh: the session and the Bearer token of before stay ended.
    assert their_browser.get("/enterprise/visits").status_code == 302
    assert world.client.get("/api/v1/visits", headers=enterprise.headers).status_code == 401
    assert world.client.get("/api/v1/visits", headers=world.login(enterprise.username)).status_code == 200


def test_the_admin_cannot_disable_their_own_account(app, admin_browser):
    with app.app_context():
        admin_id = user_named("admin").id
    response = post(admin_browser, f"/admin/users/{admin_id}/disable", page="/admin/users")
    assert response.status_code == 302
    assert "不能停用自己的账号" in html_of(admin_browser.get("/admin/users"))
    with app.app_context():
        assert user_named("admin").active is True


def test_a_password_reset_ends_old_sessions_and_the_new_password_works(app, world, admin_browser):
    agency = world.agency()
    their_browser = app.test_client()
    sign_in(their_browser, agency.username)
    assert their_browser.get("/agency/").status_code == 200
    with app.app_context():
        user_id = user_named(agency.username).id

    short = post(admin_browser, f"/admin/users/{user_id}/password", {"password": "1234567"}, page="/admin/users")
    assert short.status_code == 422 and "密码至少 8 位" in html_of(short)
    blank = post(admin_browser, f"/admin/users/{user_id}/password", {"password": " " * 10}, page="/admin/users")
    assert blank.status_code == 422 and "密码不能全是空格" in html_of(blank)
    assert their_browser.get("/agency/").status_code == 200

    response = post(admin_browser, f"/admin/users/{user_id}/password", {"password": "new-secret-42"},
                    page="/admin/users")
    assert response.status_code == 302
    with app.app_context():
        assert last_audit("users") == "user.reset_password"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.reset_password"))
        assert "new-secret-42" not in str(entry.after) and "hash" not in str(entry.after)
    logged_out = their_browser.get("/agency/")
    assert logged_out.status_code == 302 and logged_out.headers["Location"].startswith("/login")
    assert sign_in(app.test_client(), agency.username, PASSWORD).status_code == 422
    assert sign_in(app.test_client(), agency.username, "new-secret-42").headers["Location"] == "/agency/"


def test_managing_an_unknown_account_is_not_found(admin_browser):
    assert post(admin_browser, "/admin/users/999999/disable", page="/admin/users").status_code == 404
    assert post(admin_browser, "/admin/users/999999/password", {"password": "long-enough-1"},
                page="/admin/users").status_code == 404


# ---- catalogue ------------------------------------------------------------------------------

def test_admin_edits_a_category_one_item_per_line(app, admin_browser):
    html = html_of(admin_browser.get("/admin/catalog"))
    assert "安全生产咨询" in html and "安全隐患排查\n安全管理制度指导" in html
    response = post(admin_browser, "/admin/catalog", {
        "form": "安全生产咨询", "name": "安全生产咨询", "kind": "咨询",
        "items": "安全隐患排查\r\n  安全培训  \r\n\r\n有限空间作业指导\r\n"}, page="/admin/catalog")
    assert response.status_code == 302
    with app.app_context():
        category = db.session.scalar(select(ServiceCategory).where(ServiceCategory.name == "安全生产咨询"))
        assert category.items == ["安全隐患排查", "安全培训", "有限空间作业指导"]
        assert last_audit("service_categories") == "catalog.update"


def test_admin_adds_a_category(app, admin_browser):
    response = post(admin_browser, "/admin/catalog", {"form": "new", "name": "建筑安全咨询", "kind": "咨询",
                                                      "items": "脚手架检查指导\n临时用电指导"}, page="/admin/catalog")
    assert response.status_code == 302
    with app.app_context():
        category = db.session.scalar(select(ServiceCategory).where(ServiceCategory.name == "建筑安全咨询"))
        assert (category.kind, category.items) == ("咨询", ["脚手架检查指导", "临时用电指导"])
        assert last_audit("service_categories") == "catalog.create"


@pytest.mark.parametrize("form, field, text", [
    ({"form": "安全生产咨询", "name": "安全生产咨询", "kind": "咨询", "items": " \n "}, "items", "每个类别至少有一项服务事项"),
    ({"form": "安全生产咨询", "name": "安全生产咨询", "kind": "咨询", "items": "安全培训\n安全培训"}, "items", "服务事项有重复"),
    ({"form": "new", "name": "", "kind": "检测", "items": "某项"}, "name", "类别名称须为 1 到 64 字"),
    ({"form": "new", "name": "新类别", "kind": "销售", "items": "某项"}, "kind", "类型须为咨询、检测、维护之一"),
])
def test_catalogue_errors_are_shown_and_nothing_changes(app, admin_browser, form, field, text):
    response = post(admin_browser, "/admin/catalog", form, page="/admin/catalog")
    html = html_of(response)
    assert response.status_code == 422
    assert f'data-field="{field}">{text}' in html
    with app.app_context():
        category = db.session.scalar(select(ServiceCategory).where(ServiceCategory.name == "安全生产咨询"))
        assert category.items == ["安全隐患排查", "安全管理制度指导", "应急预案编制指导", "安全培训"]
        assert db.session.scalar(select(func.count(ServiceCategory.id))) == 6


# ---- who may open the admin area ------------------------------------------------------------

ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/catalog"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["agency", "provider", "enterprise"])
def test_admin_pages_are_forbidden_to_other_roles(app, world, path, role):
    browser = app.test_client()
    sign_in(browser, getattr(world, role)().username)
    assert browser.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_send_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_admin_changes_are_forbidden_to_an_agency_and_need_the_csrf_token(app, world, admin_browser):
    agency = world.agency()
    browser = app.test_client()
    sign_in(browser, agency.username)
    with app.app_context():
        user_id = user_named(agency.username).id
    token = csrf_token(browser, "/agency/")
    assert browser.post(f"/admin/users/{user_id}/disable", data={"csrf_token": token}).status_code == 403
    assert browser.post("/admin/", data={"csrf_token": token, "kind": "agency", "uscc": make_uscc("1"),
                                         "name": "冒名单位"}).status_code == 403
    assert admin_browser.post(f"/admin/users/{user_id}/disable").status_code == 400
    with app.app_context():
        assert user_named(agency.username).active is True


def test_long_lists_come_in_pages_of_fifty_with_the_filters_kept(app, world, admin_browser):
    for number in range(55):
        world.enterprise(name=f"海宁测试纺织第{number:02d}厂")

    first = html_of(admin_browser.get("/admin/?kind=enterprise&q=测试纺织"))
    assert "单位）" not in first and "（55）" in first
    assert first.count("data-org=") == 50
    assert 'rel="next"' in first and 'rel="prev"' not in first and "第 1 / 2 页" in first
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "kind=enterprise" in next_link and "page=2" in next_link
    second = html_of(admin_browser.get(next_link))
    assert second.count("data-org=") == 5 and "第 2 / 2 页" in second and 'rel="prev"' in second
    # A page past the end, or no page number at all, is an empty page or the first, never an error.
    assert admin_browser.get("/admin/?kind=enterprise&q=测试纺织&page=9").status_code == 200
    assert html_of(admin_browser.get("/admin/?page=x")).count("data-org=") == 50

    users = html_of(admin_browser.get("/admin/users?role=enterprise"))
    assert users.count("data-user=") == 50 and "（55）" in users and "第 1 / 2 页" in users
