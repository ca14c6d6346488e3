"""The enterprise at the door, on a phone: scan a code, sign in, see green, rate the visit."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.models import Rating, Visit
from tests.browser.helpers import assert_labels_fit, assert_no_sideways_scroll, sign_in


def _visits_of(world, code_id):
    """``(id, closed_at)`` of the code's visits."""
    with world.app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(Visit.id, Visit.closed_at).where(Visit.code_id == code_id).order_by(Visit.id))]


def _ratings(world):
    with world.app.app_context():
        return [(row.visit_id, row.level, row.flags, row.comment, row.rated_by_id)
                for row in db.session.scalars(select(Rating))]


def test_enterprise_scans_a_code_signs_in_sees_green_and_rates_the_visit(world, live_server, phone, shoot):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)
    assert code["url"].startswith(live_server.url + "/c/")
    page = phone

    # A phone camera opens the code's URL: anonymous, the verdict is green and details are masked.
    page.goto(code["url"])
    verdict = page.locator("section.verdict")
    expect(verdict).to_have_attribute("data-reason", "ok")
    expect(verdict.locator(".big")).to_have_text("有效")
    expect(verdict).to_have_css("background-color", "rgb(7, 193, 96)")
    expect(page.get_by_text("服务码有效，可以入企")).to_be_visible()
    expect(page.get_by_text("海宁＊＊＊有限公司")).to_be_visible()
    expect(page.get_by_text("195****6249")).to_be_visible()
    expect(page.locator("#visit-opened")).to_have_count(0)
    assert "海宁兴隆恒远皮革有限公司" not in page.content()
    assert_no_sideways_scroll(page)
    shoot(page, "01-scan-anonymous")

    # In English the longer labels still fit their column at 375 px.
    page.goto(code["url"] + "?lang=en")
    expect(verdict.locator(".big")).to_have_text("Valid")
    assert_labels_fit(page)
    assert_no_sideways_scroll(page)
    shoot(page, "02-scan-anonymous-english")
    page.goto(code["url"] + "?lang=zh")
    expect(verdict.locator(".big")).to_have_text("有效")
    assert_labels_fit(page)

    # The page's sign-in link leads to the sign-in form and back to the code.
    page.locator("#sign-in-hint a").click()
    page.wait_for_url(re.compile(r"/login\?next=/c/"))
    expect(page.locator("#f-username")).to_be_visible()
    assert_no_sideways_scroll(page)
    shoot(page, "03-login-phone")
    sign_in(page, enterprise.username)
    page.wait_for_url(code["url"])

    # Signed in as the code's enterprise: green, the full details, and the visit is opened.
    expect(verdict).to_have_attribute("data-reason", "ok")
    expect(verdict.locator(".big")).to_have_text("有效")
    expect(page.locator("#visit-opened")).to_be_visible()
    expect(page.get_by_text("海宁兴隆恒远皮革有限公司")).to_be_visible()
    expect(page.get_by_text("19556796249")).to_be_visible()
    expect(page.locator("#report-forced-sales")).to_be_visible()
    assert_labels_fit(page)
    assert_no_sideways_scroll(page)
    shoot(page, "04-scan-signed-in")
    [(visit_id, closed_at)] = _visits_of(world, code["id"])
    assert closed_at is None

    # The provider completes the visit (its side is proven by the provider's own tests).
    response = world.client.post(f"/api/v1/visits/{visit_id}/complete", headers=provider.headers,
                                 json={"summary": "完成隐患排查，发现 2 处问题，已当场告知"})
    assert response.status_code == 200, response.get_json()

    # 我的入企记录 lists the finished visit with 评价本次服务.
    page.locator("#visit-opened a").click()
    page.wait_for_url(f"{live_server.url}/enterprise/visits")
    card = page.locator(f'[data-visit="{visit_id}"]')
    expect(card).to_contain_text("浙江安远安全技术咨询有限公司")
    expect(card).to_contain_text("完成隐患排查")
    assert_no_sideways_scroll(page)
    shoot(page, "05-visits-to-rate")
    card.get_by_role("link", name="评价本次服务").tap()
    page.wait_for_url(f"{live_server.url}/enterprise/visits/{visit_id}/rate")

    # The five levels are large tap targets; a tap on one chooses it.
    options = page.locator(".levels label")
    expect(options).to_have_count(5)
    for index in range(5):
        box = options.nth(index).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300, box
    assert_no_sideways_scroll(page)
    shoot(page, "06-rate-form")
    page.locator('label[for="level-4"]').tap()
    expect(page.locator("#level-4")).to_be_checked()
    expect(page.locator('label[for="level-4"]')).to_have_css("border-color", "rgb(7, 193, 96)")
    page.locator("#f-comment").fill("讲解清楚，按时到场")
    shoot(page, "07-rate-chosen")
    with page.expect_navigation():
        page.get_by_role("button", name="提交评价").tap()
    page.wait_for_url(f"{live_server.url}/enterprise/visits")
    expect(page.locator(".flash.ok")).to_have_text("感谢评价！")
    expect(card).to_contain_text("我的评价：满意")
    expect(card.get_by_role("link", name="评价本次服务")).to_have_count(0)
    assert_no_sideways_scroll(page)
    shoot(page, "08-visits-rated")

    assert _ratings(world) == [(visit_id, 4, [], "讲解清楚，按时到场", world.user_id(enterprise))]
