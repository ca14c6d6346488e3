"""Requests at the same moment, on real threads against the real database (SQLite file with
immediate transactions; PostgreSQL with row locks when DATABASE_URL points there)."""
import threading

from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditEntry, Rating, ServiceCode, Standing, Visit


def at_once(app, calls):
    """Run each ``call(client)`` on its own thread, all released together; return their results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)
    errors = []

    def run(index, call):
        client = app.test_client()
        barrier.wait()
        try:
            results[index] = call(client)
        except Exception as error:  # noqa: BLE001 - reported below with the thread's index
            errors.append((index, repr(error)))

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_two_ratings_at_once_exit_the_provider_once(app, world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    other_agency = world.agency(name="海宁市市场监督管理局")
    codes = [world.code(agency, provider, enterprise) for _ in range(2)]
    foreign = world.code(other_agency, provider, enterprise)
    _, visit_id = world.completed_visit(agency, provider, enterprise)
    assert world.rate(enterprise, visit_id, 1).status_code == 201
    visits = [world.completed_visit(agency, provider, enterprise)[1] for _ in range(2)]

    def rate(visit_id):
        return lambda client: client.post(f"/api/v1/visits/{visit_id}/rating", json={"level": 1},
                                          headers=enterprise.headers).status_code

    # Two bad reviews in flight; with the one before, three within 90 days: exit, once.
    assert at_once(app, [rate(visits[0]), rate(visits[1])]) == [201, 201]
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "standings")).all()
        assert actions.count("standing.exited") == 1
        revoked = db.session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "code.revoke_on_exit")).all()
        # Every code under the exiting agency revoked exactly once; none under the other agency.
        under_agency = db.session.scalars(select(ServiceCode.id).where(
            ServiceCode.agency_id == agency.id, ServiceCode.provider_id == provider.id)).all()
        assert sorted(revoked) == sorted(under_agency)
        assert {code["id"] for code in codes} <= set(revoked)
        assert db.session.get(ServiceCode, foreign["id"]).status == "active"
        row = db.session.scalar(select(Standing).where(Standing.agency_id == agency.id,
                                                       Standing.provider_id == provider.id))
        assert row.state == "exited"


def test_two_good_ratings_of_one_code_on_one_day_at_once_are_one_rating(app, world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)
    visits = [world.completed_visit(agency, provider, enterprise, code)[1] for _ in range(2)]

    def rate(visit_id):
        return lambda client: client.post(f"/api/v1/visits/{visit_id}/rating", json={"level": 5},
                                          headers=enterprise.headers).status_code

    # The code's row lock (SQLite: the immediate transaction) puts the second after the first.
    assert sorted(at_once(app, [rate(visits[0]), rate(visits[1])])) == [201, 409]
    with app.app_context():
        assert db.session.scalar(select(func.count(Rating.id))) == 1


def test_two_scans_at_once_open_one_visit(app, world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)

    def scan(client):
        return client.post("/api/v1/verifications", json={"token": code["url"]}, headers=enterprise.headers).get_json()

    verdicts = at_once(app, [scan, scan, scan])
    assert [verdict["reason"] for verdict in verdicts] == ["ok", "ok", "ok"]
    assert len({verdict["visit_id"] for verdict in verdicts}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Visit.id))) == 1
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "visit.open")) == 1


def test_double_approve_at_once_is_one_success_and_one_conflict(app, world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise, approve=False)

    def approve(client):
        return client.post(f"/api/v1/codes/{code['id']}/approve", headers=agency.headers).status_code

    assert sorted(at_once(app, [approve, approve])) == [200, 409]
    with app.app_context():
        approvals = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "code.approve"))
        assert approvals == 1
