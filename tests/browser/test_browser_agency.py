"""The agency at a desk: approve a code from the queue in one click, read the satisfaction dashboard."""
import re
from datetime import date

from playwright.sync_api import expect

from server import clock
from server.extensions import db
from server.models import ServiceCode
from tests.browser.helpers import sign_in
from tests.conftest import NOW, set_clock_shanghai

# (Shanghai day of the visit, which provider's code, level given): four months of ratings, one bad.
RATED_VISITS = [
    ((2026, 9, 15), 0, 5),
    ((2026, 10, 15), 0, 4),
    ((2026, 10, 20), 1, 2),
    ((2026, 11, 12), 0, 5),
    ((2026, 11, 18), 1, 3),
    ((2026, 12, 2), 0, 5),
]


def _rated_history(world, agency, providers, enterprises):
    """Two providers' codes approved on 2026-09-01, visited, completed and rated over four months;
    the clock ends back at NOW with fresh tokens."""
    set_clock_shanghai(2026, 9, 1)
    world.sign_in_again(agency, *providers, *enterprises)
    codes = []
    for provider, enterprise in zip(providers, enterprises):
        commission = world.commission(agency, provider, start=date(2026, 9, 1), end=date(2027, 8, 31))
        codes.append(world.code(agency, provider, enterprise, commission, valid_from=date(2026, 9, 1),
                                valid_until=date(2026, 12, 31)))
    for day, which, level in RATED_VISITS:
        set_clock_shanghai(*day)
        world.sign_in_again(agency, *providers, *enterprises)
        _code, visit_id = world.completed_visit(agency, providers[which], enterprises[which], codes[which])
        response = world.rate(enterprises[which], visit_id, level)
        assert response.status_code == 201, response.get_json()
    clock.set_now(NOW)
    world.sign_in_again(agency, *providers, *enterprises)


def _status(world, code_id):
    with world.app.app_context():
        return db.session.get(ServiceCode, code_id).status


def test_agency_approves_in_one_click_and_sees_the_dashboard_charts(world, live_server, desktop, shoot):
    agency = world.agency()
    providers = [world.provider(), world.provider("嘉兴市恒信消防检测有限公司", staff=(("周强", "13857300001", "检测员"),))]
    enterprises = [world.enterprise(), world.enterprise("海宁市金潮化纤有限公司")]
    _rated_history(world, agency, providers, enterprises)
    pending = world.code(agency, providers[0], enterprises[1], approve=False)
    page = desktop

    page.goto(f"{live_server.url}/login")
    sign_in(page, agency.username)
    page.wait_for_url(f"{live_server.url}/agency/")
    row = page.locator(f'tr[data-code="{pending["id"]}"]')
    expect(row).to_contain_text("浙江安远安全技术咨询有限公司")
    expect(row).to_contain_text("海宁市金潮化纤有限公司")
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    shoot(page, "14-agency-queue")

    # One click approves; the code leaves the queue and is active.
    with page.expect_navigation():
        row.get_by_role("button", name="通过").click()
    page.wait_for_url(f"{live_server.url}/agency/")
    expect(page.locator(".flash.ok")).to_have_text("已审核通过，服务码生效")
    expect(row).to_have_count(0)
    expect(page.get_by_text("没有待审核的申请。")).to_be_visible()
    shoot(page, "15-agency-queue-approved")
    assert _status(world, pending["id"]) == "active"

    page.get_by_role("link", name="满意率").click()
    page.wait_for_url(f"{live_server.url}/agency/dashboard")

    # The figures, with the formula beside the rate: 5 of 6 ratings are 基本满意 or better.
    rate = page.locator("#fig-rate")
    expect(rate.locator(".num")).to_have_text("83%")
    expect(rate).to_contain_text("满意率 =（非常满意 + 满意 + 基本满意）÷ 全部评价")
    expect(rate).to_contain_text("= 5 ÷ 6")
    expect(page.locator("#fig-ratings .num")).to_have_text("6")
    expect(page.locator("#fig-bad .num")).to_have_text("1")
    expect(page.locator("#fig-codes .num")).to_have_text("3")

    # Both charts are pictures on the page, with bars.
    trend = page.locator("#chart-trend svg")
    ranking = page.locator("#chart-ranking svg")
    for chart in (trend, ranking):
        expect(chart).to_be_visible()
        assert chart.bounding_box()["width"] >= 600 and chart.bounding_box()["height"] >= 80
    bars = {month: int(value) for month, value in (
        (bar.get_attribute("data-month"), bar.get_attribute("data-value"))
        for bar in trend.locator("rect.bar").all()) if int(value)}
    assert bars == {"2026-09": 1, "2026-10": 2, "2026-11": 2, "2026-12": 1}
    # The legend names both series; the title says what the chart is.
    expect(trend.locator("text").filter(has_text=re.compile("^满意率$"))).to_have_count(1)
    expect(trend.locator("text").filter(has_text=re.compile("^评价数$"))).to_have_count(1)
    expect(trend.locator("polyline")).to_have_count(1)
    ranked = [round(float(bar.get_attribute("data-value")), 2) for bar in ranking.locator("rect.bar").all()]
    assert ranked == [1.0, 0.5]
    for bar in ranking.locator("rect.bar").all():
        assert bar.bounding_box()["width"] > 50
    expect(ranking).to_contain_text("浙江安远安全技术咨询有限公司")
    expect(ranking).to_contain_text("100%（4 条）")
    expect(ranking).to_contain_text("50%（2 条）")
    shoot(page, "16-agency-dashboard")
