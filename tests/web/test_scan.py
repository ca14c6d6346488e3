"""server/web/scan.py: the page a phone camera opens, ``{PUBLIC_BASE_URL}/c/{token}``, shows the verdict."""
import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Scan, Visit
from tests.conftest import BASE_URL, set_clock_shanghai
from tests.factories import sign_code_token, token_of


@pytest.fixture
def scene(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    commission = world.commission(agency, provider)
    return agency, provider, enterprise, commission


def _page(world, url):
    assert url.startswith(BASE_URL + "/c/")
    return world.client.get(url[len(BASE_URL):])


def test_valid_code_page_is_green_with_the_chinese_message(world, scene):
    agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission=commission)

    response = _page(world, code["url"])

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert 'data-reason="ok"' in html and 'class="verdict ok"' in html
    assert "服务码有效，可以入企" in html
    assert "浙江安远安全技术咨询有限公司" in html
    assert "海宁＊＊＊有限公司" in html and "海宁兴隆恒远皮革有限公司" not in html
    assert "195****6249" in html and "19556796249" not in html
    # Typed in, the human code verifies like a scan: it is on the card, not on the page.
    assert code["human_code"] not in html
    assert world.count(Visit) == 0
    with world.app.app_context():
        scans = db.session.execute(select(Scan.reason, Scan.valid, Scan.code_id, Scan.raw_input)).all()
    assert [tuple(scan) for scan in scans] == [("ok", True, code["id"], token_of(code["url"]))]


def _revoke(world, agency, code):
    world.client.post(f"/api/v1/codes/{code['id']}/revoke", json={"reason": "撤销"}, headers=agency.headers)


@pytest.mark.parametrize("case, reason, message", [
    ("revoked", "revoked", "该服务码已被委托单位撤销"),
    ("expired", "expired", "不在有效期内（有效期：2026-12-01 至 2026-12-31）"),
    ("superseded", "superseded", "此码已重新签发，请出示最新服务码"),
    ("pending", "pending_approval", "服务码尚未经委托单位审核通过"),
    ("exited", "provider_exited", "该机构已被委托单位清退，不得入企"),
    ("forged", "bad_signature", "服务码被篡改或伪造，请拒绝入企并反映"),
    ("unknown", "unknown_code", "查无此服务码"),
    ("garbage", "malformed", "这不是入企服务码，请核对来源"),
])
def test_invalid_code_page_is_red_with_the_reason_in_chinese(world, scene, case, reason, message):
    agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission=commission, approve=case != "pending")
    url = code["url"]
    if case == "revoked":
        _revoke(world, agency, code)
    elif case == "expired":
        set_clock_shanghai(2027, 1, 2)
    elif case == "superseded":
        world.client.post(f"/api/v1/codes/{code['id']}/reissue", headers=provider.headers)
    elif case == "pending":
        url = f"{BASE_URL}/c/{sign_code_token(code['id'])}"
    elif case == "exited":
        world.set_standing(agency, provider, "exited")
    elif case == "forged":
        url = f"{BASE_URL}/c/{sign_code_token(code['id'], keys=['someone-elses-key'])}"
    elif case == "unknown":
        url = f"{BASE_URL}/c/{sign_code_token(987654)}"
    elif case == "garbage":
        url = f"{BASE_URL}/c/hello-world"

    response = _page(world, url)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'data-reason="{reason}"' in html
    assert message in html
    assert 'class="verdict bad"' in html
    with world.app.app_context():
        assert db.session.scalars(select(Scan.reason)).all() == [reason]


@pytest.mark.parametrize("scope_item", ["", "%20%20", "%E2%80%8B"])
def test_a_blank_scope_item_on_the_page_is_not_asked_about(world, scene, scope_item):
    agency, provider, enterprise, commission = scene
    code = world.code(agency, provider, enterprise, commission=commission)

    response = _page(world, code["url"] + "?scope_item=" + scope_item)

    assert response.status_code == 200
    assert 'data-reason="ok"' in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/c/abc%00def", "/c/x?scope_item=%E5%AE%89%00"])
def test_a_scan_carrying_a_nul_character_is_answered_and_kept(app, world, scene, path):
    # PostgreSQL refuses NUL in text: the scan is still recorded, with the character made visible.
    response = world.client.get(path)

    assert response.status_code == 200 and 'data-reason="malformed"' in response.get_data(as_text=True)
    with app.app_context():
        scan = db.session.scalar(select(Scan).order_by(Scan.id.desc()))
        stored = (scan.raw_input or "") + (scan.scope_item or "")
        assert scan.reason == "malformed" and "\x00" not in stored and "\ufffd" in stored
