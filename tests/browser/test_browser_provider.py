"""The provider on a phone: apply for a code within a commission, then show it (亮码)."""
import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.models import ServiceCode
from tests.browser.helpers import assert_labels_fit, assert_no_sideways_scroll, sign_in
from tests.factories import decode_qr


def _stored_code(world, code_id):
    with world.app.app_context():
        code = db.session.get(ServiceCode, code_id)
        return {"status": code.status, "enterprise_id": code.enterprise_id, "scope_items": code.scope_items,
                "valid_from": code.valid_from, "valid_until": code.valid_until,
                "staff": sorted(person.id for person in code.staff), "purpose": code.purpose}


def _code_ids(world):
    with world.app.app_context():
        return list(db.session.scalars(select(ServiceCode.id)))


def test_provider_applies_for_a_code_and_shows_its_qr_on_the_phone(world, live_server, phone, shoot):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    commission = world.commission(agency, provider, enterprises=[enterprise])
    page = phone

    page.goto(f"{live_server.url}/login")
    sign_in(page, provider.username)
    page.wait_for_url(f"{live_server.url}/provider/codes")
    expect(page.get_by_text("还没有服务码。")).to_be_visible()

    # Step 1: the provider's commissions; step 2: the form within the chosen one.
    page.goto(f"{live_server.url}/provider/codes/new")
    choice = page.locator(f'[data-commission="{commission["id"]}"]')
    expect(choice).to_contain_text("安全生产咨询")
    expect(choice).to_contain_text("海宁市应急管理局")
    assert_no_sideways_scroll(page)
    shoot(page, "09-provider-choose-commission")
    choice.get_by_role("link", name="在此项目下申请").tap()
    page.wait_for_url(re.compile(rf"/provider/codes/new\?commission_id={commission['id']}$"))

    page.locator("#f-enterprise_uscc").select_option(enterprise.uscc)
    # Only the commission's scope items are offered.
    scope = page.locator('input[name="scope_items"]')
    expect(scope).to_have_count(3)
    page.get_by_label("安全隐患排查").check()
    page.get_by_label("应急预案编制指导").check()
    page.get_by_label("杨明超 · 安全评价师").check()
    expect(page.locator("#f-valid_from")).to_have_value("2026-12-03")
    page.locator("#f-valid_until").fill("2026-12-20")
    page.locator("#f-purpose").fill("年度安全隐患排查及应急预案指导")
    assert_no_sideways_scroll(page)
    shoot(page, "10-provider-apply-form")
    with page.expect_navigation():
        page.get_by_role("button", name="提交申请").tap()

    # The code detail page says it waits for the agency.
    page.wait_for_url(re.compile(r"/provider/codes/\d+$"))
    code_id = int(page.url.rsplit("/", 1)[1])
    assert _code_ids(world) == [code_id]
    expect(page.locator(".flash.ok")).to_contain_text("已提交申请，等待委托单位审核")
    expect(page.locator(f'[data-code="{code_id}"] [data-status="pending"]')).to_have_text("待审核")
    expect(page.get_by_text("等待委托单位审核。审核通过后才能亮码入企。")).to_be_visible()
    expect(page.get_by_role("link", name="亮码")).to_have_count(0)
    assert_labels_fit(page)
    assert_no_sideways_scroll(page)
    shoot(page, "11-provider-code-pending")
    assert _stored_code(world, code_id) == {
        "status": "pending", "enterprise_id": enterprise.id, "scope_items": ["安全隐患排查", "应急预案编制指导"],
        "valid_from": date(2026, 12, 3), "valid_until": date(2026, 12, 20), "staff": [provider.staff_ids[0]],
        "purpose": "年度安全隐患排查及应急预案指导"}

    # The agency approves (its console is driven in the agency's own test).
    response = world.client.post(f"/api/v1/codes/{code_id}/approve", headers=agency.headers)
    assert response.status_code == 200, response.get_json()
    code_url = response.get_json()["url"]
    assert code_url.startswith(live_server.url + "/c/")

    page.reload()
    expect(page.locator(f'[data-code="{code_id}"] [data-status="active"]')).to_have_text("生效中")
    shoot(page, "12-provider-code-active")
    with page.expect_navigation():
        page.get_by_role("link", name="亮码").tap()
    page.wait_for_url(f"{live_server.url}/provider/codes/{code_id}/show")

    # 亮码: the QR image has loaded and is large.
    qr = page.locator("img#qr")
    expect(qr).to_be_visible()
    page.wait_for_function("() => { const img = document.getElementById('qr');"
                           " return img.complete && img.naturalWidth > 0; }")
    box = qr.bounding_box()
    assert box["width"] >= 300 and box["height"] >= 300, box
    expect(page.locator("#human-code")).to_have_text(re.compile(r"^[0-9A-Z]{8}$"))
    expect(page.locator(".show-info")).to_contain_text("海宁兴隆恒远皮革有限公司")
    expect(page.locator(".show-info")).to_contain_text("2026-12-03 至 2026-12-20")
    expect(page.locator(".show-info")).to_contain_text("杨明超")
    assert_labels_fit(page)
    assert_no_sideways_scroll(page)
    shoot(page, "13-provider-show-code")
    # On the phone the QR is a dynamic code: a real decoder reads it, and it verifies as valid.
    decoded = decode_qr(qr.screenshot())
    assert len(decoded) == 1 and decoded[0].text.startswith(f"{live_server.url}/c/")
    assert decoded[0].text != code_url
    assert world.verify(decoded[0].text)["reason"] == "ok"
