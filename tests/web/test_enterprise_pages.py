"""Enterprise pages: the scan page behind the QR, my visits, rating, the one-tap report, typing
a human code."""
import re

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Rating, Scan, Visit
from tests.web.forms import csrf_token, sign_in



def path_of(url):
    return "/" + url.split("/", 3)[3]


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def scene(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)
    return world, agency, provider, enterprise, code


def test_anonymous_scan_page_shows_green_masked_and_invites_sign_in(client, scene):
    world, agency, provider, enterprise, code = scene
    page = client.get(path_of(code["url"]))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-reason="ok"' in html and "服务码有效，可以入企" in html
    assert "浙江安远安全技术咨询有限公司" in html
    assert "海宁＊＊＊有限公司" in html and "海宁兴隆恒远皮革有限公司" not in html
    assert "195****6249" in html and "19556796249" not in html
    assert 'id="sign-in-hint"' in html
    assert page.headers["Cache-Control"] == "no-store"


def test_scan_page_of_signed_in_enterprise_opens_one_visit(app, client, scene):
    world, agency, provider, enterprise, code = scene
    response = sign_in(client, enterprise.username, next_path=path_of(code["url"]))
    assert response.status_code == 302 and response.headers["Location"] == path_of(code["url"])
    first = client.get(path_of(code["url"])).get_data(as_text=True)
    second = client.get(path_of(code["url"])).get_data(as_text=True)
    assert 'id="visit-opened"' in first and 'id="visit-opened"' in second
    assert "海宁兴隆恒远皮革有限公司" in first and "19556796249" in first
    with app.app_context():
        assert count(Visit) == 1
        assert count(Scan) == 2


def test_scan_page_of_another_enterprise_says_wrong_enterprise(app, client, scene):
    world, agency, provider, enterprise, code = scene
    other = world.enterprise(name="海宁安和海川光伏有限公司")
    sign_in(client, other.username)
    html = client.get(path_of(code["url"])).get_data(as_text=True)
    assert 'data-reason="wrong_enterprise"' in html and "此码不是签发给贵企业的" in html
    with app.app_context():
        assert count(Visit) == 0


def test_forged_code_page_is_red_with_advice(client, scene):
    world, agency, provider, enterprise, code = scene
    tampered = path_of(code["url"])[:-3] + ("AAA" if not code["url"].endswith("AAA") else "BBB")
    html = client.get(tampered).get_data(as_text=True)
    assert 'data-reason="bad_signature"' in html and "请拒绝入企并反映" in html
    # Nothing was shown, so nothing was hidden: no "details masked, sign in for more" hint.
    assert 'id="sign-in-hint"' not in html and "已隐去" not in html


def test_visits_page_lists_open_past_and_upcoming(client, scene):
    world, agency, provider, enterprise, code = scene
    world.completed_visit(agency, provider, enterprise)
    upcoming = world.code(agency, provider, enterprise, purpose="应急预案编制指导")
    world.verify(code["url"], enterprise.headers)
    sign_in(client, enterprise.username)
    html = client.get("/enterprise/visits").get_data(as_text=True)
    assert html.count('data-status="open"') == 1
    assert "评价本次服务" in html
    assert f'data-code="{upcoming["id"]}"' in html
    assert f'data-code="{code["id"]}"' not in html  # used already: no longer "may come"
    # Who may come and why, not the code number: typed in, it would open a visit with nobody at the door.
    assert "应急预案编制指导" in html and upcoming["human_code"] not in html


def test_rating_form_stores_the_rating(app, client, scene):
    world, agency, provider, enterprise, code = scene
    _, visit_id = world.completed_visit(agency, provider, enterprise, code)
    sign_in(client, enterprise.username)
    token = csrf_token(client, f"/enterprise/visits/{visit_id}/rate")
    response = client.post(f"/enterprise/visits/{visit_id}/rate",
                           data={"csrf_token": token, "level": "4", "comment": "讲解细致"})
    assert response.status_code == 302
    with app.app_context():
        rating = db.session.scalar(select(Rating))
        assert (rating.visit_id, rating.level, rating.flags, rating.comment, rating.bad) == (visit_id, 4, [], "讲解细致", False)


@pytest.mark.parametrize("form, field, text", [
    ({}, "level", "请选择评价等级"),
    ({"level": "6"}, "level", "评价等级须为 1 到 5"),
    ({"level": "abc"}, "level", "须为整数"),
    ({"level": "3", "flags": "bribery"}, "flags", "未知的问题标记"),
    ({"level": "3", "comment": "长" * 1001}, "comment", "评价内容不超过 1000 字"),
])
def test_rating_form_shows_chinese_error_at_the_field_and_stores_nothing(app, client, scene, form, field, text):
    world, agency, provider, enterprise, code = scene
    _, visit_id = world.completed_visit(agency, provider, enterprise, code)
    sign_in(client, enterprise.username)
    token = csrf_token(client, f"/enterprise/visits/{visit_id}/rate")
    response = client.post(f"/enterprise/visits/{visit_id}/rate", data={"csrf_token": token, **form})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(rf'data-field="{field}">[^<]*{text}', html)
    with app.app_context():
        assert count(Rating) == 0


def test_rating_form_without_csrf_token_is_refused(app, client, scene):
    world, agency, provider, enterprise, code = scene
    _, visit_id = world.completed_visit(agency, provider, enterprise, code)
    sign_in(client, enterprise.username)
    response = client.post(f"/enterprise/visits/{visit_id}/rate", data={"level": "5"})
    assert response.status_code == 400
    assert "安全校验码" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Rating) == 0


def test_second_rating_through_the_form_is_refused(app, client, scene):
    world, agency, provider, enterprise, code = scene
    _, visit_id = world.completed_visit(agency, provider, enterprise, code)
    assert world.rate(enterprise, visit_id, 5).status_code == 201
    sign_in(client, enterprise.username)
    # The form is not offered again: its page says why and leads back to the visits.
    offered = client.get(f"/enterprise/visits/{visit_id}/rate", follow_redirects=True)
    assert "该次服务已经评价过" in offered.get_data(as_text=True)
    assert offered.request.path == "/enterprise/visits"
    # Posted anyway (an old tab), it is refused.
    token = csrf_token(client, "/enterprise/visits")
    response = client.post(f"/enterprise/visits/{visit_id}/rate", data={"csrf_token": token, "level": "1"},
                           follow_redirects=True)
    assert "该次服务已经评价过" in response.get_data(as_text=True)
    with app.app_context():
        assert [row.level for row in db.session.scalars(select(Rating))] == [5]


def test_a_second_visit_of_a_code_on_the_same_day_takes_a_report_not_a_second_rating(app, client, scene):
    world, agency, provider, enterprise, code = scene
    _, first = world.completed_visit(agency, provider, enterprise, code)
    _, second = world.completed_visit(agency, provider, enterprise, code)
    assert world.rate(enterprise, first, 5).status_code == 201
    sign_in(client, enterprise.username)

    form = client.get(f"/enterprise/visits/{second}/rate")
    assert form.status_code == 200 and 'id="rated-that-day"' in form.get_data(as_text=True)
    token = csrf_token(client, f"/enterprise/visits/{second}/rate")
    good = client.post(f"/enterprise/visits/{second}/rate", data={"csrf_token": token, "level": "5"},
                       follow_redirects=True)
    assert "同一服务码同一天的入企只评价一次" in good.get_data(as_text=True)
    # The one-tap report (强制推销) always reaches the agency, as the scan page promises.
    report = client.post(f"/enterprise/visits/{second}/rate",
                         data={"csrf_token": token, "level": "4", "flags": "forced_sales"})
    assert report.status_code == 302
    with app.app_context():
        assert sorted((row.visit_id, row.level, row.bad) for row in db.session.scalars(select(Rating))) == [
            (first, 5, False), (second, 4, True)]


def test_one_tap_report_checks_out_and_presets_forced_sales(app, client, scene):
    world, agency, provider, enterprise, code = scene
    _, visit_id = world.visit(agency, provider, enterprise, code)
    sign_in(client, enterprise.username)
    token = csrf_token(client, "/enterprise/visits")
    response = client.post(f"/enterprise/visits/{visit_id}/report", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/enterprise/visits/{visit_id}/rate?flag=forced_sales")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'value="forced_sales"\s+checked', html)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit.status == "checked_out"


def test_other_enterprise_cannot_rate_or_report(app, client, scene):
    world, agency, provider, enterprise, code = scene
    _, visit_id = world.completed_visit(agency, provider, enterprise, code)
    other = world.enterprise(name="海宁安和海川光伏有限公司")
    sign_in(client, other.username)
    assert client.get(f"/enterprise/visits/{visit_id}/rate").status_code == 404
    token = csrf_token(client, "/enterprise/visits")
    assert client.post(f"/enterprise/visits/{visit_id}/rate", data={"csrf_token": token, "level": "1"}).status_code == 404
    assert client.post(f"/enterprise/visits/{visit_id}/report", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert count(Rating) == 0


def test_typing_the_human_code_verifies_like_a_scan(app, client, scene):
    world, agency, provider, enterprise, code = scene
    sign_in(client, enterprise.username)
    token = csrf_token(client, "/enterprise/enter-code")
    spaced = code["human_code"][:4].lower() + " " + code["human_code"][4:]
    html = client.post("/enterprise/enter-code", data={"csrf_token": token, "human_code": spaced}).get_data(as_text=True)
    assert 'data-reason="ok"' in html and 'id="visit-opened"' in html
    wrong = client.post("/enterprise/enter-code", data={"csrf_token": token, "human_code": "ABCDEFGH"})
    assert wrong.status_code == 422 and "服务码编号不正确" in wrong.get_data(as_text=True)


def test_the_human_code_of_a_reissued_code_no_longer_verifies(app, client, scene):
    world, agency, provider, enterprise, code = scene
    reissued = world.client.post(f"/api/v1/codes/{code['id']}/reissue", headers=provider.headers).get_json()
    sign_in(client, enterprise.username)
    token = csrf_token(client, "/enterprise/enter-code")

    old = client.post("/enterprise/enter-code", data={"csrf_token": token, "human_code": code["human_code"]})
    new = client.post("/enterprise/enter-code", data={"csrf_token": token, "human_code": reissued["human_code"]})

    assert old.status_code == 422 and "服务码编号不正确" in old.get_data(as_text=True)
    assert 'data-reason="ok"' in new.get_data(as_text=True)
    with app.app_context():
        assert count(Visit) == 1


@pytest.mark.parametrize("path", ["/enterprise/visits", "/enterprise/enter-code"])
def test_enterprise_pages_need_an_enterprise(client, world, path):
    assert client.get(path).status_code == 302  # anonymous → sign-in
    assert "/login" in client.get(path).headers["Location"]
    provider = world.provider()
    sign_in(client, provider.username)
    assert client.get(path).status_code == 403
