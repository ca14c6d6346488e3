"""Provider portal pages: apply for a code, my codes, show a code (亮码), print a card, complete
visits, ratings received (anonymous), standing."""
import io
import re
from datetime import date

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from server.domain.qr import fingerprint
from server.domain.exit_rules import update_rules
from server.extensions import db
from server.models import ServiceCode, Standing, User, Visit
from tests.conftest import move_clock
from tests.web.forms import csrf_token, signed_in

QR_IMG = re.compile(r'<img id="qr" src="([^"]+)"')
CARD_IMG = re.compile(r'<img src="(/provider/codes/[^"]+/qr\.svg\?v=[0-9a-f]+)"')


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def agency_rules(app, agency, **changes):
    """The agency changes its exit rules (or requires dynamic codes), as its console would."""
    with app.app_context():
        update_rules(db.session.scalar(select(User).where(User.username == agency.username)), **changes)
        db.session.commit()


def field_error(field, text):
    """What macros.field_errors renders for one message at one field."""
    return f'data-field="{field}">{text}</div>'


@pytest.fixture
def scene(world, client):
    """An agency, a provider signed in on ``client``, an enterprise, and a commission
    (安全生产咨询, 2026-11-01 to 2027-10-31, three scope items)."""
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    commission = world.commission(agency, provider)
    signed_in(client, provider.username)
    return world, agency, provider, enterprise, commission


def application(commission, enterprise, provider, **changes):
    """A valid application form as the browser posts it (check boxes as repeated keys)."""
    form = {
        "commission_id": str(commission["id"]), "enterprise_uscc": enterprise.uscc,
        "scope_items": ["安全隐患排查", "安全培训"], "valid_from": "2026-12-05", "valid_until": "2026-12-31",
        "staff_ids": [str(staff_id) for staff_id in provider.staff_ids], "purpose": "年度安全隐患排查服务",
    }
    form.update(changes)
    return form


def post_application(client, commission, form, with_csrf=True):
    path = f"/provider/codes/new?commission_id={commission['id']}"
    if with_csrf:
        form = {**form, "csrf_token": csrf_token(client, path)}
    return client.post(path, data=form)


# ---- applying for a code ----------------------------------------------------------------------

def test_apply_step_one_lists_my_commissions_with_links_to_the_form(client, scene):
    world, agency, provider, enterprise, commission = scene
    html = client.get("/provider/codes/new").get_data(as_text=True)
    assert f'data-commission="{commission["id"]}"' in html
    assert "安全生产咨询" in html and "海宁市应急管理局" in html and "2026-11-01 至 2027-10-31" in html
    assert f'href="/provider/codes/new?commission_id={commission["id"]}"' in html


def test_apply_form_offers_the_commissions_scope_period_and_my_staff(client, scene):
    world, agency, provider, enterprise, commission = scene
    page = client.get(f"/provider/codes/new?commission_id={commission['id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for item in ("安全隐患排查", "安全培训", "应急预案编制指导"):
        assert f'name="scope_items" value="{item}"' in html
    assert html.count('min="2026-11-01" max="2027-10-31"') == 2
    assert "须在委托期 2026-11-01 至 2027-10-31 之内" in html
    for staff_id in provider.staff_ids:
        assert f'name="staff_ids" value="{staff_id}"' in html
    assert "杨明超 · 安全评价师" in html and "罗芳 · 工程师" in html
    # No enterprise list on this commission: the USCC is typed.
    assert 'name="enterprise_uscc" type="text"' in html and "<select" not in html


def test_apply_form_of_a_commission_with_an_enterprise_list_offers_a_select(client, scene):
    world, agency, provider, enterprise, _commission = scene
    listed = world.commission(agency, provider, enterprises=[enterprise])
    html = client.get(f"/provider/codes/new?commission_id={listed['id']}").get_data(as_text=True)
    assert '<select id="f-enterprise_uscc" name="enterprise_uscc">' in html
    assert f'<option value="{enterprise.uscc}" >海宁兴隆恒远皮革有限公司（{enterprise.uscc}）</option>' in html


def test_apply_form_of_another_providers_commission_is_not_found(client, scene):
    world, agency, provider, enterprise, commission = scene
    other = world.provider(name="嘉兴安和检测技术有限公司", staff=(("周立", "13905730001", "检测员"),))
    others_commission = world.commission(agency, other)
    assert client.get(f"/provider/codes/new?commission_id={others_commission['id']}").status_code == 404


OTHER_STAFF = object()  # replaced by the other provider's staff id inside the test


@pytest.mark.parametrize("changes, field, text", [
    ({"scope_items": ["安全隐患排查", "危化品储存检测"]}, "scope_items", "不在委托项目的服务范围内：危化品储存检测"),
    ({"scope_items": []}, "scope_items", "请选择 1 到 50 项服务事项"),
    ({"valid_from": "2026-10-15"}, "valid_from", "不能早于委托期开始日 2026-11-01"),
    ({"valid_until": "2027-11-30"}, "valid_until", "不能晚于委托期结束日 2027-10-31"),
    ({"valid_from": "2026-12-20", "valid_until": "2026-12-10"}, "valid_until", "有效期结束日期不能早于开始日期"),
    ({"valid_until": ""}, "valid_until", "日期格式须为 YYYY-MM-DD"),
    ({"staff_ids": OTHER_STAFF}, "staff_ids", "不是本机构在册人员："),
    ({"staff_ids": []}, "staff_ids", "请选择 1 到 20 名入企人员"),
    ({"purpose": ""}, "purpose", "请填写入企目的（500 字以内）"),
    ({"purpose": "   "}, "purpose", "请填写入企目的（500 字以内）"),
    ({"enterprise_uscc": "91330481000000001X"}, "enterprise_uscc", "统一社会信用代码无效（18 位，校验位须正确）"),
], ids=["scope-outside-commission", "scope-empty", "from-before-period", "until-after-period",
        "from-after-until", "until-missing", "staff-of-another-provider", "no-staff", "purpose-missing",
        "purpose-blank", "uscc-check-digit"])
def test_apply_form_shows_each_broken_rule_at_its_field_and_stores_nothing(app, client, scene, changes,
                                                                           field, text):
    world, agency, provider, enterprise, commission = scene
    if changes.get("staff_ids") is OTHER_STAFF:
        other = world.provider(name="嘉兴安和检测技术有限公司", staff=(("周立", "13905730001", "检测员"),))
        changes = {"staff_ids": [str(provider.staff_ids[0]), str(other.staff_ids[0])]}
        text += str(other.staff_ids[0])
    response = post_application(client, commission, application(commission, enterprise, provider, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(field, text) in html
    assert count(app, ServiceCode) == 0


def test_apply_form_keeps_what_was_typed_after_an_error(client, scene):
    world, agency, provider, enterprise, commission = scene
    form = application(commission, enterprise, provider, purpose="", scope_items=["安全培训"],
                       staff_ids=[str(provider.staff_ids[1])])
    html = post_application(client, commission, form).get_data(as_text=True)
    assert f'value="{enterprise.uscc}"' in html
    assert 'value="安全培训" checked' in html and 'value="安全隐患排查" >' in html
    assert f'value="{provider.staff_ids[1]}" checked' in html and f'value="{provider.staff_ids[0]}" >' in html
    assert 'name="valid_from" type="date" value="2026-12-05"' in html


def test_apply_form_refuses_an_enterprise_outside_the_commissions_list(app, client, scene):
    world, agency, provider, enterprise, _commission = scene
    listed = world.commission(agency, provider, enterprises=[enterprise])
    stranger = world.enterprise(name="海宁市远东制衣有限公司")
    response = post_application(client, listed, application(listed, stranger, provider))
    assert response.status_code == 422
    assert field_error("enterprise_uscc", "该企业不在委托项目的服务对象名单中") in response.get_data(as_text=True)
    assert count(app, ServiceCode) == 0


def test_successful_application_stores_a_pending_code_and_shows_its_detail(app, client, scene):
    world, agency, provider, enterprise, commission = scene
    response = post_application(client, commission, application(commission, enterprise, provider))
    assert response.status_code == 302
    with app.app_context():
        code = db.session.scalar(select(ServiceCode))
        assert (code.status, code.provider_id, code.enterprise_id, code.commission_id) == (
            "pending", provider.id, enterprise.id, commission["id"])
        assert code.scope_items == ["安全隐患排查", "安全培训"]
        assert (code.valid_from, code.valid_until) == (date(2026, 12, 5), date(2026, 12, 31))
        assert [person.id for person in code.staff] == provider.staff_ids
        assert code.purpose == "年度安全隐患排查服务"
        code_id, human_code = code.id, code.human_code
    assert response.headers["Location"] == f"/provider/codes/{code_id}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"已提交申请，等待委托单位审核。编号 {human_code}" in html
    assert 'data-status="pending"' in html and "杨明超（安全评价师）、罗芳（工程师）" in html


def test_application_of_a_suspended_provider_says_why_and_stores_nothing(app, client, scene):
    world, agency, provider, enterprise, commission = scene
    with app.app_context():
        # The commission made the standing row (``good``); poor ratings would suspend it.
        db.session.scalar(select(Standing).where(Standing.agency_id == agency.id,
                                                 Standing.provider_id == provider.id)).state = "suspended"
        db.session.commit()
    response = post_application(client, commission, application(commission, enterprise, provider))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert '<div class="flash error" role="alert" id="apply-problem">本机构在该委托单位处已被暂停赋码或已退出，不能申请新的服务码</div>' in html
    assert count(app, ServiceCode) == 0


def test_application_without_csrf_token_is_refused_and_stores_nothing(app, client, scene):
    world, agency, provider, enterprise, commission = scene
    response = post_application(client, commission, application(commission, enterprise, provider), with_csrf=False)
    assert response.status_code == 400
    assert "缺少安全校验码" in response.get_data(as_text=True)
    assert count(app, ServiceCode) == 0


# ---- my codes, detail, show, card -------------------------------------------------------------

def test_my_codes_list_states_and_links(client, scene):
    world, agency, provider, enterprise, commission = scene
    active = world.code(agency, provider, enterprise, commission)
    pending = world.code(agency, provider, enterprise, commission, approve=False)
    html = client.get("/provider/codes").get_data(as_text=True)
    assert "我的服务码（2）" in html
    active_card = html[html.index(f'data-code="{active["id"]}"'):]
    pending_card = html[html.index(f'data-code="{pending["id"]}"'):html.index(f'data-code="{active["id"]}"')]
    assert 'data-status="active"' in active_card and active["human_code"] in active_card
    assert f'href="/provider/codes/{active["id"]}/show"' in active_card
    assert f'href="/provider/codes/{active["id"]}/card"' in active_card
    assert 'data-status="pending"' in pending_card and "/show" not in pending_card


def test_code_detail_shows_the_decision_reason_of_a_rejected_code(client, scene):
    world, agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission, approve=False)
    response = client.post(f"/api/v1/codes/{code['id']}/reject", headers=agency.headers,
                           json={"reason": "入企人员资质证书未上传"})
    assert response.status_code == 200
    html = client.get(f"/provider/codes/{code['id']}").get_data(as_text=True)
    assert 'data-status="rejected"' in html
    assert '<dd id="decision-reason">入企人员资质证书未上传</dd>' in html
    assert "重新签发" not in html


def decode_qr(image_bytes):
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(image_bytes)))
    assert len(results) == 1
    return results[0].text


def test_show_page_of_an_active_code_has_a_refreshing_dynamic_qr(client, scene):
    world, agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission)
    page = client.get(f"/provider/codes/{code['id']}/show")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert f'<div class="human" id="human-code">{code["human_code"]}</div>' in html
    assert "海宁兴隆恒远皮革有限公司" in html and "2026-12-01 至 2026-12-31" in html and "杨明超、罗芳" in html
    assert "请企业用手机扫一扫" in html
    assert "动态码：每 30 秒自动刷新，截图或转发的码 60 秒后失效" in html and 'data-refresh="30"' in html
    src = QR_IMG.search(html).group(1)
    assert src == f"/provider/codes/{code['id']}/dynamic.png"
    image = client.get(src)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["Cache-Control"] == "no-store"
    dynamic_url = decode_qr(image.data)
    assert dynamic_url != code["url"] and dynamic_url.startswith("https://fwm.hnzwfw.gov.cn/c/")
    assert world.verify(dynamic_url, enterprise.headers)["reason"] == "ok"
    move_clock(seconds=61)
    assert world.verify(dynamic_url)["reason"] == "dynamic_expired"


def test_static_qr_of_the_card_decodes_to_the_codes_url_and_is_cached(client, scene):
    world, agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission)
    src = f"/provider/codes/{code['id']}/qr.png?v={fingerprint(code['url'])}"
    image = client.get(src)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert decode_qr(image.data) == code["url"]
    assert image.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    again = client.get(src, headers={"If-None-Match": image.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_page_and_api_serve_the_same_qr_image(client, scene):
    world, agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission)
    page_image = client.get(f"/provider/codes/{code['id']}/qr.svg")
    api_image = client.get(f"/api/v1/codes/{code['id']}/qr.svg", headers=provider.headers)
    assert page_image.mimetype == api_image.mimetype == "image/svg+xml"
    assert page_image.headers["ETag"] == api_image.headers["ETag"]
    assert page_image.data == api_image.data and page_image.data.lstrip().startswith(b"<?xml")


def test_reissue_moves_the_card_to_the_new_qr_and_supersedes_the_old(client, scene):
    world, agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission)
    detail = f"/provider/codes/{code['id']}"
    response = client.post(f"{detail}/reissue", data={"csrf_token": csrf_token(client, detail)})
    assert response.status_code == 302 and response.headers["Location"] == detail
    assert "已重新签发（第 2 版）" in client.get(detail).get_data(as_text=True)
    src = CARD_IMG.search(client.get(f"{detail}/card").get_data(as_text=True)).group(1).replace("qr.svg", "qr.png")
    new_url = decode_qr(client.get(src).data)
    assert new_url != code["url"]
    assert src.endswith(f"?v={fingerprint(new_url)}") and fingerprint(new_url) != fingerprint(code["url"])
    assert world.verify(code["url"])["reason"] == "superseded"
    assert world.verify(new_url)["reason"] == "ok"


def test_reissue_of_a_pending_code_is_refused_with_a_message(client, scene):
    world, agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission, approve=False)
    detail = f"/provider/codes/{code['id']}"
    response = client.post(f"{detail}/reissue", data={"csrf_token": csrf_token(client, detail)},
                           follow_redirects=True)
    assert response.status_code == 200
    assert '<div class="flash error" role="status">只有生效中的服务码可以重新签发（当前：待审核）</div>' in response.get_data(as_text=True)


def test_show_page_of_a_pending_code_says_it_is_not_active(client, scene):
    world, agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission, approve=False)
    page = client.get(f"/provider/codes/{code['id']}/show")
    html = page.get_data(as_text=True)
    assert page.status_code == 409
    assert "该服务码当前不是生效状态，不能亮码或打印" in html and 'data-status="pending"' in html
    assert 'id="qr"' not in html
    assert client.get(f"/provider/codes/{code['id']}/qr.png").status_code == 409
    assert client.get(f"/provider/codes/{code['id']}/card").status_code == 409


@pytest.mark.parametrize("ending, status", [("revoke", "revoked"), ("time", "expired")])
def test_show_page_of_a_revoked_or_expired_code_says_it_is_not_active(client, scene, ending, status):
    world, agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission)
    if ending == "revoke":
        response = client.post(f"/api/v1/codes/{code['id']}/revoke", headers=agency.headers,
                               json={"reason": "企业反映未按约定到场"})
        assert response.status_code == 200
    else:
        move_clock(days=29)  # 2027-01-01, the day after valid_until
    page = client.get(f"/provider/codes/{code['id']}/show")
    html = page.get_data(as_text=True)
    assert page.status_code == 409
    assert f'<div class="card" id="not-showable" data-status="{status}">' in html and 'id="qr"' not in html


def test_show_page_for_an_agency_that_requires_dynamic_codes_says_so(app, client, scene):
    world, agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission)
    agency_rules(app, agency, require_dynamic_codes=True)
    html = client.get(f"/provider/codes/{code['id']}/show").get_data(as_text=True)
    src = QR_IMG.search(html).group(1)
    assert src == f"/provider/codes/{code['id']}/dynamic.png"
    assert "委托单位要求出示手机动态码：打印的卡片和 8 位编号不能用于核验" in html
    dynamic_url = decode_qr(client.get(src).data)
    assert world.verify(dynamic_url, enterprise.headers)["reason"] == "ok"
    assert world.verify(code["url"], enterprise.headers)["reason"] == "dynamic_required"
    move_clock(seconds=61)
    assert world.verify(dynamic_url, enterprise.headers)["reason"] == "dynamic_expired"
    assert world.verify(decode_qr(client.get(src + "?t=1").data), enterprise.headers)["reason"] == "ok"


def test_card_is_refused_when_the_agency_requires_dynamic_codes(app, client, scene):
    world, agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission)
    agency_rules(app, agency, require_dynamic_codes=True)
    page = client.get(f"/provider/codes/{code['id']}/card")
    html = page.get_data(as_text=True)
    assert page.status_code == 409 and 'data-status="active"' in html
    assert "委托单位要求入企时出示手机动态码，打印的服务码卡片不能用于核验，请在现场打开亮码页面" in html
    assert f'href="/provider/codes/{code["id"]}/show"' in html and "qr.svg" not in html


def test_card_has_qr_code_service_information_and_the_enterprises_rights(client, scene):
    world, agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission)
    html = client.get(f"/provider/codes/{code['id']}/card").get_data(as_text=True)
    assert f'<img src="/provider/codes/{code["id"]}/qr.svg?v={fingerprint(code["url"])}"' in html
    assert f'<div class="human">{code["human_code"]}</div>' in html
    for text in ("浙江安远安全技术咨询有限公司", "海宁兴隆恒远皮革有限公司", "安全隐患排查、安全培训",
                 "2026-12-01 至 2026-12-31", "杨明超（安全评价师）、罗芳（工程师）", "海宁市应急管理局"):
        assert text in html
    assert '<dd id="complaint-phone">0573-87011234</dd>' in html
    assert "这是委托的服务，不是检查" in html
    assert "19556796249" not in html  # staff phones stay off a card that is handed around


@pytest.mark.parametrize("path", ["", "/show", "/card", "/qr.png", "/qr.svg"])
def test_another_providers_code_is_not_found(client, scene, path):
    world, agency, provider, enterprise, commission = scene
    other = world.provider(name="嘉兴安和检测技术有限公司", staff=(("周立", "13905730001", "检测员"),))
    code = world.code(agency, other, enterprise)
    assert client.get(f"/provider/codes/{code['id']}{path}").status_code == 404


def test_reissuing_another_providers_code_is_not_found(client, scene):
    world, agency, provider, enterprise, commission = scene
    other = world.provider(name="嘉兴安和检测技术有限公司", staff=(("周立", "13905730001", "检测员"),))
    code = world.code(agency, other, enterprise)
    response = client.post(f"/provider/codes/{code['id']}/reissue",
                           data={"csrf_token": csrf_token(client, "/provider/codes")})
    assert response.status_code == 404
    assert world.verify(code["url"])["reason"] == "ok"


# ---- who may open the portal ------------------------------------------------------------------

PROVIDER_PAGES = ["/provider/codes", "/provider/codes/new", "/provider/visits", "/provider/ratings",
                  "/provider/standing"]


@pytest.mark.parametrize("role", ["enterprise", "agency"])
@pytest.mark.parametrize("path", PROVIDER_PAGES)
def test_other_roles_are_forbidden(world, client, role, path):
    org = world.enterprise() if role == "enterprise" else world.agency()
    signed_in(client, org.username)
    response = client.get(path)
    assert response.status_code == 403
    assert "无权访问此页面" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["enterprise", "agency"])
def test_other_roles_cannot_fetch_a_codes_qr_or_card_through_the_portal(world, client, role):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)
    signed_in(client, enterprise.username if role == "enterprise" else agency.username)
    for path in ("/show", "/card", "/qr.png"):
        assert client.get(f"/provider/codes/{code['id']}{path}").status_code == 403


@pytest.mark.parametrize("path", PROVIDER_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


# ---- visits -----------------------------------------------------------------------------------

def test_complete_visit_with_empty_summary_shows_the_error_and_keeps_the_visit_open(app, client, scene):
    world, agency, provider, enterprise, commission = scene
    code, visit_id = world.visit(agency, provider, enterprise, world.code(agency, provider, enterprise, commission))
    for summary, text in (("", "请填写服务小结（2000 字以内）"), ("  ", "请填写服务小结（2000 字以内）")):
        response = client.post(f"/provider/visits/{visit_id}/complete",
                               data={"summary": summary, "csrf_token": csrf_token(client, "/provider/visits")})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        visit_card = html[html.index(f'data-visit="{visit_id}"'):]
        assert field_error("summary", text) in visit_card
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit.closed_at is None and visit.summary is None


def test_complete_visit_closes_it_with_the_summary(app, client, scene):
    world, agency, provider, enterprise, commission = scene
    code, visit_id = world.visit(agency, provider, enterprise, world.code(agency, provider, enterprise, commission))
    assert f'action="/provider/visits/{visit_id}/complete"' in client.get("/provider/visits").get_data(as_text=True)
    response = client.post(f"/provider/visits/{visit_id}/complete", follow_redirects=True, data={
        "summary": "排查隐患 3 处，已当场告知", "csrf_token": csrf_token(client, "/provider/visits")})
    html = response.get_data(as_text=True)
    assert "已完成服务，企业可以评价本次服务了" in html
    assert "已结束的服务（1）" in html and "服务小结：排查隐患 3 处，已当场告知" in html
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert (visit.close_kind, visit.summary) == ("completed", "排查隐患 3 处，已当场告知")


def test_completing_a_visit_the_enterprise_already_closed_says_so(app, client, scene):
    world, agency, provider, enterprise, commission = scene
    code, visit_id = world.visit(agency, provider, enterprise, world.code(agency, provider, enterprise, commission))
    assert client.post(f"/api/v1/visits/{visit_id}/checkout", headers=enterprise.headers).status_code == 200
    response = client.post(f"/provider/visits/{visit_id}/complete", follow_redirects=True, data={
        "summary": "排查隐患 3 处", "csrf_token": csrf_token(client, "/provider/visits")})
    assert response.status_code == 200
    assert '<div class="flash error" role="status">该入企记录已结束</div>' in response.get_data(as_text=True)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert (visit.close_kind, visit.summary) == ("checked_out", None)


def test_completing_another_providers_visit_is_not_found(app, client, scene):
    world, agency, provider, enterprise, commission = scene
    other = world.provider(name="嘉兴安和检测技术有限公司", staff=(("周立", "13905730001", "检测员"),))
    code, visit_id = world.visit(agency, other, enterprise)
    response = client.post(f"/provider/visits/{visit_id}/complete", data={
        "summary": "不是我的", "csrf_token": csrf_token(client, "/provider/visits")})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Visit, visit_id).closed_at is None


# ---- ratings and standing ---------------------------------------------------------------------

def test_ratings_page_shows_level_flags_and_comment_but_not_who_rated(client, scene):
    world, agency, provider, enterprise, commission = scene
    code, visit_id = world.completed_visit(agency, provider, enterprise,
                                           world.code(agency, provider, enterprise, commission))
    response = world.rate(enterprise, visit_id, 2, ["forced_sales"], "现场推销灭火器")
    assert response.status_code == 201
    html = client.get("/provider/ratings").get_data(as_text=True)
    assert "收到的评价（1）" in html
    assert 'data-level="2"' in html and '<span class="chip red">不满意</span>' in html
    assert '<span class="chip red">强制推销</span>' in html and "现场推销灭火器" in html
    assert "2026-12-03" in html
    assert "海宁兴隆恒远皮革有限公司" not in html and enterprise.uscc not in html
    assert enterprise.username not in html
    assert f"/visits/{visit_id}" not in html and code["human_code"] not in html


def test_standing_page_shows_the_rate_with_its_formula(client, scene):
    world, agency, provider, enterprise, commission = scene
    for level in (5, 4, 2, 3):
        world.rated_visit(agency, provider, enterprise, level, commission=commission)
    html = client.get("/provider/standing").get_data(as_text=True)
    assert 'data-standing="good"' in html
    assert '<div class="figure-num">75.0%</div>' in html
    assert "满意率 =（非常满意 + 满意 + 基本满意）÷ 全部评价 = 3 ÷ 4" in html
    assert "没有触发任何规则。" in html
    assert "最近 20 次评价（满 10 次后；同一服务码计最新一次）满意率低于 90% 预警，低于 80% 暂停赋码，低于 70% 退出；90 天内差评 3 次退出（同一服务码的差评计一次）。" in html


def test_standing_page_states_each_agencys_own_rules(app, client, scene):
    world, agency, provider, enterprise, commission = scene
    agency_rules(app, agency, window=10, minimum_sample=5, warn_below=0.95, suspend_below=0.85,
                 exit_below=0.75, bad_reviews_to_exit=2, bad_review_days=30, exit_flags=["forced_sales"])
    html = client.get("/provider/standing").get_data(as_text=True)
    rules = html[html.index('data-rules-of="海宁市应急管理局"'):]
    assert ("最近 10 次评价（满 5 次后；同一服务码计最新一次）满意率低于 95% 预警，低于 85% 暂停赋码，低于 75% 退出；"
            "30 天内差评 2 次退出（同一服务码的差评计一次）。") in rules
    assert "委托单位确认以下问题即退出：强制推销。" in rules


def test_standing_page_of_an_exited_provider_names_the_rule_and_the_ratings_behind_it(client, scene):
    world, agency, provider, enterprise, commission = scene
    for level in (1, 2, 1):
        code, _visit_id, _rating = world.rated_visit(agency, provider, enterprise, level, comment="服务敷衍",
                                                     commission=commission)
    html = client.get("/provider/standing").get_data(as_text=True)
    assert 'data-standing="exited"' in html
    assert 'data-rule="bad_reviews"' in html and "差评次数达到退出线：90 天内差评 3 次（达到 3 次即退出）" in html
    reason = html[html.index('data-rule="bad_reviews"'):]
    assert "涉及的评价（3 条）" in reason
    assert reason.count("2026-12-03 · ") == 3
    assert reason.count(">非常不满意</span>") == 2 and reason.count(">不满意</span>") == 1
    assert "海宁兴隆恒远皮革有限公司" not in html and enterprise.username not in html
    # Exit revoked the code: it can no longer be shown.
    assert client.get(f"/provider/codes/{code['id']}/show").status_code == 409
