"""``flask seed-demo``: a demo county with codes in every state, loaded idempotently.

Seeding is the slow part, so the module seeds once (on the clock the other tests use) and the tests
read what it made; each test that changes something says so.
"""
import re

import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc as uscc_number

from server import clock
from server.demo import DEMO_PASSWORD, agency_phone, agency_uscc
from server.domain.issuing import effective_status
from server.extensions import db
from server.models import AuditEntry, Organisation, Rating, Scan, ServiceCode, User, Visit
from tests.conftest import BASE_URL, NOW, empty_all_tables, make_app

URL_LINE = re.compile(r"^\s*URL: (\S+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def demo(_migrated):
    """The seeded app and the output of the first ``flask seed-demo``."""
    app = make_app(_migrated)
    with app.app_context():
        empty_all_tables()
    clock.set_now(NOW)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    yield app, result.output
    clock.set_now(None)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def demo_app(demo):
    return demo[0]


def row_counts(app):
    with app.app_context():
        return {table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


def sign_in(client, username):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 200, (username, response.get_json())
    return response.get_json()


def test_seed_demo_prints_logins_that_work(demo):
    app, output = demo
    assert f"密码均为 {DEMO_PASSWORD}" in output
    client = app.test_client()
    for username, role in (("admin", "admin"), ("yjj", "agency"), ("p1", "provider"), ("e001", "enterprise")):
        assert re.search(rf"^\s+{username}\s+{DEMO_PASSWORD}\s+{role}\s+\S", output, re.MULTILINE), username
        assert sign_in(client, username)["role"] == role
    with app.app_context():
        # One login per organisation, plus the admin's.
        assert db.session.scalar(select(func.count()).select_from(User)) == \
            db.session.scalar(select(func.count()).select_from(Organisation))


def test_seed_demo_prints_the_url_of_a_valid_code(demo):
    app, output = demo
    urls = URL_LINE.findall(output)
    assert len(urls) == 1
    assert urls[0].startswith(BASE_URL + "/c/")

    response = app.test_client().post("/api/v1/verifications", json={"token": urls[0]})  # records a scan

    assert response.status_code == 200
    verdict = response.get_json()
    assert verdict["valid"] is True
    assert verdict["reason"] == "ok"
    assert verdict["visit_id"] is None
    assert verdict["code"]["agency"]["complaint_phone"].startswith("0573-87")


def test_seed_demo_twice_changes_nothing(demo):
    app, first_output = demo
    before = row_counts(app)

    result = app.test_cli_runner().invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    assert "演示数据已存在" in result.output
    assert row_counts(app) == before
    assert before["organisations"] == 5 + 8 + 120 + 1
    assert URL_LINE.findall(result.output) == URL_LINE.findall(first_output)
    assert clock.now() == NOW


def test_seed_demo_leaves_an_intact_audit_trail(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["audit", "verify"])

    assert result.exit_code == 0, result.output
    assert "审计链完整" in result.output
    with demo_app.app_context():
        entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
        organisations = db.session.scalar(select(func.count()).select_from(Organisation))
    # At least one entry per organisation, account, code decision, visit and rating.
    assert entries > 2 * organisations


def test_seed_demo_makes_codes_in_every_state(demo_app):
    with demo_app.app_context():
        codes = db.session.scalars(select(ServiceCode)).all()
        today = clock.today()
        states = [effective_status(code) for code in codes]
        expired = [code for code in codes if effective_status(code) == "expired"]
        current = [code for code in codes if effective_status(code) == "active"
                   and code.valid_from <= today <= code.valid_until]
        scans = dict(db.session.execute(select(Scan.reason, func.count()).group_by(Scan.reason)).all())

    for state in ("pending", "active", "rejected", "revoked", "expired"):
        assert state in states, state
    assert len(current) >= 5
    assert expired and all(code.status == "active" and code.valid_until < today for code in expired)
    assert any(code.version > 1 for code in codes), "no reissued code"
    assert scans.get("superseded", 0) >= 1
    assert scans.get("revoked", 0) >= 1
    # The agency's failed-scan page has a forgery and a scan at the wrong door to show.
    assert scans.get("bad_signature", 0) >= 1 and scans.get("wrong_enterprise", 0) >= 1
    assert scans["ok"] >= 10


def test_seed_demo_makes_open_and_finished_visits_and_a_bad_review(demo_app):
    with demo_app.app_context():
        visit_states = dict(db.session.execute(
            select(Visit.close_kind, func.count()).group_by(Visit.close_kind)).all())
        ratings = db.session.scalars(select(Rating)).all()

    assert visit_states.get(None, 0) >= 1          # open: the provider is there now
    assert visit_states.get("completed", 0) >= 5
    assert visit_states.get("checked_out", 0) >= 1
    assert len([rating for rating in ratings if rating.bad]) == 1
    assert len(ratings) >= 10


def test_demo_agency_sees_its_ratings_in_the_statistics(demo_app):
    client = demo_app.test_client()
    token = sign_in(client, "yjj")
    with demo_app.app_context():
        expected = db.session.scalar(select(func.count()).select_from(Rating).where(Rating.agency_id == token["org_id"]))

    response = client.get("/api/v1/stats/satisfaction", headers={"Authorization": "Bearer " + token["access_token"]})

    assert response.status_code == 200, response.get_json()
    stats = response.get_json()
    assert expected > 0
    assert stats["ratings"] == expected
    assert 0 < stats["satisfaction_rate"] <= 1
    assert stats["codes_issued"] > 0
    assert {provider["name"] for provider in stats["by_provider"]} == {
        "浙江安远安全技术咨询有限公司", "浙江康卫职业卫生技术服务有限公司"}


def test_seed_demo_refuses_to_run_in_production(demo):
    app = make_app(demo[0].config["SQLALCHEMY_DATABASE_URI"], ENV_NAME="production")
    before = row_counts(app)

    result = app.test_cli_runner().invoke(args=["seed-demo"])

    assert result.exit_code == 1
    assert "APP_ENV=production" in result.output
    assert row_counts(app) == before
    with app.app_context():
        db.engine.dispose()


def test_agency_usccs_are_stable_valid_codes_of_government_organs():
    keys = ["yjj", "sthj", "scjg", "xf", "dq"]
    usccs = [agency_uscc(key) for key in keys]

    assert usccs == [agency_uscc(key) for key in keys]
    assert len(set(usccs)) == len(keys)
    for uscc in usccs:
        assert uscc_number.is_valid(uscc)
        assert uscc.startswith("11330481")
    assert re.fullmatch(r"0573-87\d{6}", agency_phone("yjj"))
