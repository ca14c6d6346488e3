"""server.domain.cases: a bad review opens a case with Asia/Shanghai working-day deadlines; contact,
rectification, closing, red-line decisions, the follow-up rating, overdue counting and notices."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from server import clock
from server.clock import BUSINESS_TZ
from server.domain import cases
from server.domain.errors import Conflict, Invalid, NotFound
from server.domain.notify import set_channels, LoggingChannel
from server.domain.rating import rate_visit
from server.domain.standing import standing_of
from server.extensions import db
from server.models import AuditEntry, Notification, Rating, ReviewCase, ServiceCode, User, Visit
from tests.factories import finished_code_like


def shanghai(*parts):
    return datetime(*parts, tzinfo=BUSINESS_TZ)


class Scene:
    """One agency, provider and enterprise with an active code; visits written straight in, each
    on a code like it of its own (separate services)."""

    def __init__(self, world):
        self.agency, self.provider, self.enterprise = world.agency(), world.provider(), world.enterprise()
        self.code = world.code(self.agency, self.provider, self.enterprise)

    def user(self, org):
        return db.session.scalar(select(User).where(User.username == org.username))

    def visit(self):
        instant = clock.now()
        visit = Visit(code_id=finished_code_like(self.code["id"]), agency_id=self.agency.id, provider_id=self.provider.id,
                      enterprise_id=self.enterprise.id, entered_at=instant - timedelta(hours=2),
                      closed_at=instant - timedelta(hours=1), close_kind="completed", summary="完成")
        db.session.add(visit)
        db.session.flush()
        return visit

    def rate(self, level, flags=(), visit=None, followup=False):
        visit = visit or self.visit()
        return rate_visit(self.user(self.enterprise), visit.id, level, list(flags), None, followup=followup)


@pytest.fixture
def scene(world, ctx):
    return Scene(world)


@pytest.fixture
def sent():
    collected = []

    class Collecting:
        def send(self, message):
            collected.append(message)

    set_channels([Collecting()])
    yield collected
    set_channels([LoggingChannel()])


@pytest.mark.parametrize("opened, contact_due, rectify_due", [
    (shanghai(2026, 12, 3, 10, 0), shanghai(2026, 12, 4, 23, 59, 59, 999999), shanghai(2026, 12, 18, 23, 59, 59, 999999)),
    (shanghai(2026, 12, 4, 17, 30), shanghai(2026, 12, 7, 23, 59, 59, 999999), shanghai(2026, 12, 19, 23, 59, 59, 999999)),
    (shanghai(2026, 9, 30, 9, 0), shanghai(2026, 10, 8, 23, 59, 59, 999999), shanghai(2026, 10, 15, 23, 59, 59, 999999)),
    (shanghai(2026, 2, 13, 23, 50), shanghai(2026, 2, 14, 23, 59, 59, 999999), shanghai(2026, 2, 28, 23, 59, 59, 999999)),
    # 00:30 in Shanghai is still the previous day in UTC: the business day decides.
    (shanghai(2026, 12, 5, 0, 30), shanghai(2026, 12, 7, 23, 59, 59, 999999), shanghai(2026, 12, 20, 23, 59, 59, 999999)),
])
def test_deadlines_are_one_working_day_and_fifteen_days_in_shanghai(opened, contact_due, rectify_due):
    assert cases.deadlines(opened) == (contact_due, rectify_due)


def test_a_bad_review_opens_a_case_and_tells_agency_and_provider(scene, sent):
    rating = scene.rate(2, ["forced_sales", "no_show"])
    case = db.session.scalar(select(ReviewCase))
    assert (case.rating_id, case.agency_id, case.provider_id, case.enterprise_id) == (
        rating.id, scene.agency.id, scene.provider.id, scene.enterprise.id)
    assert case.red_flags == ["forced_sales"]
    assert clock.as_utc(case.contact_due) == shanghai(2026, 12, 4, 23, 59, 59, 999999)
    assert cases.case_status(case) == "open"
    db.session.commit()
    assert {(message.org_id, message.kind) for message in sent} == {
        (scene.agency.id, "bad_review"), (scene.provider.id, "bad_review")}


def test_a_good_rating_opens_no_case(scene):
    scene.rate(4)
    assert db.session.scalar(select(func.count(ReviewCase.id))) == 0


def test_the_steps_run_in_order_and_only_for_their_parties(scene):
    scene.rate(1)
    case = db.session.scalar(select(ReviewCase))
    agency, provider = scene.user(scene.agency), scene.user(scene.provider)
    with pytest.raises(NotFound):
        cases.record_contact(provider, case.id, "已联系")
    with pytest.raises(Conflict, match="请先登记联系企业"):
        cases.close_case(agency, case.id, "办结")
    with pytest.raises(Invalid):
        cases.record_contact(agency, case.id, "  ")
    cases.record_contact(agency, case.id, "电话回访企业，情况属实")
    assert cases.case_status(case) == "contacted"
    with pytest.raises(Conflict):
        cases.record_contact(agency, case.id, "再次联系")
    cases.record_rectification(provider, case.id, "已对服务人员培训整改")
    assert cases.case_status(case) == "rectified"
    cases.close_case(agency, case.id, "整改到位，办结")
    assert cases.case_status(case) == "closed"
    with pytest.raises(Conflict):
        cases.record_rectification(provider, case.id, "补充")


def test_a_case_of_another_agency_is_not_found(scene, world):
    scene.rate(1)
    case = db.session.scalar(select(ReviewCase))
    other = world.agency(name="海宁市市场监督管理局")
    with pytest.raises(NotFound):
        cases.record_contact(db.session.scalar(select(User).where(User.username == other.username)), case.id, "x")


def test_overdue_steps_are_marked_counted_and_notified_once(scene, sent):
    scene.rate(1)
    case = db.session.scalar(select(ReviewCase))
    clock.set_now(shanghai(2026, 12, 4, 23, 59))
    assert cases.overdue_steps(case) == ()
    assert cases.overdue_count(scene.agency.id) == 0
    clock.set_now(shanghai(2026, 12, 5, 0, 1))
    assert cases.overdue_steps(case) == ("contact",)
    assert cases.overdue_count(scene.agency.id) == 1
    clock.set_now(shanghai(2026, 12, 19, 0, 1))
    assert cases.overdue_steps(case) == ("contact", "rectify")
    assert cases.notify_overdue() == 1
    assert cases.notify_overdue() == 0
    db.session.commit()
    kinds = [(message.org_id, message.kind) for message in sent if message.kind == "case_overdue"]
    assert kinds == [(scene.agency.id, "case_overdue"), (scene.provider.id, "case_overdue")]


def test_confirming_a_red_line_flag_exits_the_provider_and_revokes_its_codes(scene):
    scene.rate(2, ["out_of_scope"])
    case = db.session.scalar(select(ReviewCase))
    agency = scene.user(scene.agency)
    with pytest.raises(Conflict, match="红线"):
        cases.record_contact(agency, case.id, "已核实") and cases.close_case(agency, case.id, "办结")
    cases.decide_flags(agency, case.id, "confirmed", "经核实，超出委托范围开展收费服务")
    assert standing_of(scene.agency.id, scene.provider.id) == "exited"
    assert db.session.get(ServiceCode, scene.code["id"]).status == "revoked"
    with pytest.raises(Conflict):
        cases.decide_flags(agency, case.id, "dismissed", "改判")


def test_dismissing_a_red_line_flag_changes_no_standing(scene):
    scene.rate(2, ["forced_sales"])
    case = db.session.scalar(select(ReviewCase))
    cases.decide_flags(scene.user(scene.agency), case.id, "dismissed", "经核实为企业误解")
    assert standing_of(scene.agency.id, scene.provider.id) == "good"
    with pytest.raises(Invalid):
        cases.decide_flags(scene.user(scene.agency), case.id, "maybe", "x")


def test_a_case_without_red_lines_has_nothing_to_decide(scene):
    scene.rate(1, ["no_show"])
    case = db.session.scalar(select(ReviewCase))
    with pytest.raises(Conflict, match="没有需要认定"):
        cases.decide_flags(scene.user(scene.agency), case.id, "confirmed", "x")


def test_one_follow_up_rating_after_a_bad_review_counts_beside_the_first(scene):
    visit = scene.visit()
    scene.rate(1, visit=visit)
    followup = scene.rate(4, visit=visit, followup=True)
    assert followup.followup is True
    levels = sorted(db.session.scalars(select(Rating.level).where(Rating.visit_id == visit.id)))
    assert levels == [1, 4]
    with pytest.raises(Conflict, match="已经追加过"):
        scene.rate(5, visit=visit, followup=True)


def test_a_bad_follow_up_is_noted_on_the_first_reviews_case_not_opened_as_a_second(scene):
    visit = scene.visit()
    first = scene.rate(2, ["forced_sales"], visit=visit)
    case = db.session.scalar(select(ReviewCase).where(ReviewCase.rating_id == first.id))
    notices = db.session.scalar(select(func.count()).select_from(Notification))

    scene.rate(1, ["forced_sales"], visit=visit, followup=True)

    assert db.session.scalar(select(func.count()).select_from(ReviewCase)) == 1
    followup_entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "case.followup", AuditEntry.object_id == case.id)).all()
    assert [entry.after["level"] for entry in followup_entry] == [1]
    titles = db.session.scalars(select(Notification.title).order_by(Notification.id).offset(notices)).all()
    assert titles == ["追加评价仍为差评：海宁兴隆恒远皮革有限公司", "追加评价仍为差评"]


def test_a_follow_up_bringing_a_new_red_line_flag_opens_a_case_of_its_own(scene):
    visit = scene.visit()
    scene.rate(2, visit=visit)

    followup = scene.rate(2, ["out_of_scope"], visit=visit, followup=True)

    cases_of_visit = db.session.scalars(select(ReviewCase).where(ReviewCase.visit_id == visit.id)
                                        .order_by(ReviewCase.id)).all()
    assert [(row.rating_id == followup.id, row.red_flags) for row in cases_of_visit] == [
        (False, []), (True, ["out_of_scope"])]


def test_no_follow_up_after_a_good_rating_or_long_after_closing(scene):
    good = scene.visit()
    scene.rate(5, visit=good)
    with pytest.raises(Conflict, match="只有差评之后"):
        scene.rate(5, visit=good, followup=True)
    bad = scene.visit()
    scene.rate(2, visit=bad)
    case = db.session.scalar(select(ReviewCase))
    agency = scene.user(scene.agency)
    cases.record_contact(agency, case.id, "已联系")
    cases.close_case(agency, case.id, "办结")
    clock.set_now(clock.now() + timedelta(days=31))
    with pytest.raises(Conflict, match="超过 30 天"):
        scene.rate(4, visit=bad, followup=True)


def test_standing_changes_are_notified_to_provider_and_agency_with_the_ratings(scene, sent):
    ids = [scene.rate(1).id for _ in range(3)]
    db.session.commit()
    exits = [message for message in sent if message.kind == "exited"]
    assert {message.org_id for message in exits} == {scene.agency.id, scene.provider.id}
    assert all(", ".join(map(str, ids)) in message.body for message in exits)
    stored = db.session.scalars(select(Notification.kind).where(Notification.org_id == scene.provider.id)).all()
    assert stored.count("exited") == 1 and stored.count("bad_review") == 3


def test_outbound_messages_of_a_rolled_back_change_are_never_sent(scene, sent):
    scene.rate(1)
    db.session.rollback()
    assert sent == []
