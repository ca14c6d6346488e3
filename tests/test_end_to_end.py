"""The whole way, as people would go: apply → approve → print the QR → scan it at the door in every
way that can go wrong → revoke → complete → rate → three bad reviews → exit → reinstatement."""
import base64
import json

from sqlalchemy import select

from server.domain.qr import qr_version
from server.extensions import db
from server.models import Scan, Visit
from tests.conftest import BASE_URL, set_clock_shanghai
from tests.factories import assert_error, decode_qr, token_of


def _tampered(url):
    """The same URL with the code id in the payload raised by one, the signature kept."""
    payload, timestamp, signature = token_of(url).split(".")
    claim = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claim[0] += 1
    forged = base64.urlsafe_b64encode(json.dumps(claim, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{BASE_URL}/c/{forged}.{timestamp}.{signature}"


def _scan_history(world):
    with world.app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(Scan.reason, Scan.valid, Scan.scanner_org_id, Scan.visit_id).order_by(Scan.id))]


def test_a_code_from_application_to_exit_and_reinstatement(world):
    client = world.client
    agency = world.agency()
    provider = world.provider()
    enterprise = world.enterprise()
    neighbour = world.enterprise("海宁市金潮化纤有限公司")
    commission = world.commission(agency, provider)

    # The provider applies; the agency approves.
    applied = world.apply(provider, commission, enterprise)
    assert applied.status_code == 201
    code_id = applied.get_json()["id"]
    assert (applied.get_json()["status"], applied.get_json()["url"]) == ("pending", None)
    assert_error(client.get(f"/api/v1/codes/{code_id}/qr.png", headers=provider.headers), 409)
    approved = client.post(f"/api/v1/codes/{code_id}/approve", headers=agency.headers)
    assert approved.status_code == 200
    url = approved.get_json()["url"]
    assert approved.get_json()["status"] == "active"

    # The provider prints the QR; a real decoder reads the URL back.
    png = client.get(f"/api/v1/codes/{code_id}/qr.png", headers=provider.headers)
    assert (png.status_code, png.mimetype) == (200, "image/png")
    decoded = decode_qr(png.data)
    assert [result.text for result in decoded] == [url]
    scanned = decoded[0].text
    assert scanned.startswith(f"{BASE_URL}/c/")
    assert qr_version(scanned) <= 6
    assert decoded[0].extra["Version"] == str(qr_version(scanned))

    # At the door: the enterprise scans — valid, full details, the visit opens.
    at_door = world.verify(scanned, enterprise.headers)
    assert (at_door["valid"], at_door["reason"], at_door["viewer"]) == (True, "ok", "enterprise")
    assert at_door["code"]["masked"] is False
    assert at_door["code"]["enterprise"]["name"] == "海宁兴隆恒远皮革有限公司"
    visit_id = at_door["visit_id"]
    assert isinstance(visit_id, int)

    # Another enterprise scans the same code.
    elsewhere = world.verify(scanned, neighbour.headers)
    assert (elsewhere["valid"], elsewhere["reason"], elsewhere["visit_id"]) == (False, "wrong_enterprise", None)
    assert elsewhere["message"] == "此码不是签发给贵企业的"

    # A passer-by scans without signing in: authentic, masked, no visit.
    anonymous = world.verify(scanned)
    assert (anonymous["valid"], anonymous["reason"], anonymous["visit_id"]) == (True, "ok", None)
    assert anonymous["code"]["masked"] is True
    assert anonymous["code"]["enterprise"]["name"] == "海宁＊＊＊有限公司"
    assert [person["phone"] for person in anonymous["code"]["staff"]] == ["195****6249", "136****2541"]

    # A tampered token, then something that is no code at all.
    assert world.verify(_tampered(scanned), enterprise.headers)["reason"] == "bad_signature"
    assert world.verify("扫一扫：这是一张优惠券 https://shop.example.com/x", enterprise.headers)["reason"] == "malformed"

    # A scope item the code does not cover.
    outside = world.verify(scanned, enterprise.headers, scope_item="应急预案编制指导")
    assert (outside["reason"], outside["message"]) == ("out_of_scope", "该事项不在服务范围内（范围：安全隐患排查、安全培训）")

    # Before its first day and after its last (the clock moves; sign-ins are renewed).
    set_clock_shanghai(2026, 11, 30, 9)
    world.sign_in_again(enterprise)
    assert world.verify(scanned, enterprise.headers)["reason"] == "not_yet_valid"
    set_clock_shanghai(2027, 1, 1, 9)
    world.sign_in_again(enterprise)
    expired = world.verify(scanned, enterprise.headers)
    assert (expired["reason"], expired["message"]) == ("expired", "不在有效期内（有效期：2026-12-01 至 2026-12-31）")
    set_clock_shanghai(2026, 12, 3, 11)
    world.sign_in_again(agency, provider, enterprise, neighbour)

    # The agency revokes the code: its QR stops working at once.
    revoked = client.post(f"/api/v1/codes/{code_id}/revoke", json={"reason": "企业反映人员与名单不符"},
                          headers=agency.headers)
    assert revoked.get_json()["status"] == "revoked"
    assert world.verify(scanned, enterprise.headers)["reason"] == "revoked"

    # The visit that was open is completed and rated — a bad review.
    completed = client.post(f"/api/v1/visits/{visit_id}/complete", headers=provider.headers,
                            json={"summary": "排查完成，推荐了本公司的检测套餐"})
    assert completed.get_json()["status"] == "completed"
    first = world.rate(enterprise, visit_id, 2, ["forced_sales"], "推销检测套餐")
    assert (first.status_code, first.get_json()["bad_review"]) == (201, True)
    assert client.get("/api/v1/providers/me/standing", headers=provider.headers).get_json()["standing"] == "good"

    # Two more services under two more codes, two more bad reviews: the provider exits. (Bad
    # reviews count one per code: one code's enterprise alone cannot make a provider exit.)
    second_code = world.code(agency, provider, enterprise, commission=commission)
    third_code = world.code(agency, provider, enterprise, commission=commission)
    waiting = world.code(agency, provider, enterprise, commission=commission, approve=False)
    rating_ids = [first.get_json()["id"]]
    for level, code in ((1, second_code), (2, third_code)):
        _, another_visit = world.completed_visit(agency, provider, enterprise, code)
        response = world.rate(enterprise, another_visit, level)
        assert response.status_code == 201
        rating_ids.append(response.get_json()["id"])
    standing = client.get("/api/v1/providers/me/standing", headers=provider.headers).get_json()
    assert standing["standing"] == "exited"
    assert standing["reasons"] == [{"agency_id": agency.id, "state": "exited", "rule": "bad_reviews",
                                    "text": "90 天内差评 3 次（达到 3 次即退出）", "rating_ids": rating_ids}]

    # Exit revoked the active and the pending code; scanning any of them says provider_exited.
    for each in (second_code, third_code, waiting):
        assert client.get(f"/api/v1/codes/{each['id']}", headers=agency.headers).get_json()["status"] == "revoked"
    assert world.verify(scanned, enterprise.headers)["reason"] == "provider_exited"
    assert world.verify(second_code["url"], enterprise.headers)["reason"] == "provider_exited"
    assert_error(world.apply(provider, commission, enterprise), 409)

    # The agency reinstates the provider with a reason; the old codes stay revoked.
    reinstated = client.post(f"/api/v1/providers/{provider.uscc}/reinstate", headers=agency.headers,
                             json={"reason": "已整改并书面承诺不再推销"})
    assert reinstated.get_json()["standing"] == "reinstated"
    assert world.verify(scanned, enterprise.headers)["reason"] == "revoked"
    assert world.verify(second_code["url"], enterprise.headers)["reason"] == "revoked"
    assert world.apply(provider, commission, enterprise).status_code == 201

    # Every scan was recorded, valid or not; only the enterprise's valid scans carry a visit.
    history = _scan_history(world)
    assert [reason for reason, *_ in history] == [
        "ok", "wrong_enterprise", "ok", "bad_signature", "malformed", "out_of_scope", "not_yet_valid", "expired",
        "revoked", "ok", "ok", "provider_exited", "provider_exited", "revoked", "revoked",
    ]
    assert [scanner for _, _, scanner, _ in history[:3]] == [enterprise.id, neighbour.id, None]
    visits = [visit for *_, visit in history]
    assert visits[0] == visit_id
    assert len({visit_id, visits[9], visits[10]}) == 3 and None not in (visits[9], visits[10])
    assert [visit for index, visit in enumerate(visits) if index not in (0, 9, 10)] == [None] * 12
    assert world.count(Visit) == 3
