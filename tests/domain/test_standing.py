"""server.domain.standing: the default exit rules, exit's revocations, reinstatement.

Ratings go through ``rate_visit`` (which evaluates the standing after every rating) on visits
written straight into the database, so that long sequences stay fast.
"""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server import clock
from server.domain.errors import Conflict, Forbidden, Invalid
from server.domain.rating import rate_visit
from server.domain.standing import evaluate_standing, judge, reinstate_provider, standing_of
from server.extensions import db
from server.models import AuditEntry, Organisation, ServiceCode, Standing, User, Visit
from tests.conftest import NOW
from tests.factories import finished_code_like


class Rater:
    """Rates visits like those of one code as its enterprise, at a day counted from the test's NOW."""

    def __init__(self, code_json, enterprise, agency_id, provider_id):
        self.code_id = code_json["id"]
        self.user = db.session.scalar(select(User).where(User.username == enterprise.username))
        self.agency_id, self.provider_id = agency_id, provider_id

    def rate(self, day, level, flags=()):
        """One completed visit, of a code of its own (as a separate service), rated ``level``;
        returns the Rating."""
        clock.set_now(NOW + timedelta(days=day))
        visit = Visit(code_id=finished_code_like(self.code_id), agency_id=self.agency_id, provider_id=self.provider_id,
                      enterprise_id=self.user.org_id, entered_at=clock.now() - timedelta(hours=2),
                      closed_at=clock.now() - timedelta(hours=1), close_kind="completed", summary="完成")
        db.session.add(visit)
        db.session.flush()
        return rate_visit(self.user, visit.id, level, list(flags))

    def standing(self):
        return standing_of(self.agency_id, self.provider_id)

    def standing_row(self):
        return db.session.scalar(select(Standing).where(
            Standing.agency_id == self.agency_id, Standing.provider_id == self.provider_id))


@pytest.fixture
def parties(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)
    return agency, provider, enterprise, code


@pytest.fixture
def rater(parties, ctx):
    agency, provider, enterprise, code = parties
    return Rater(code, enterprise, agency.id, provider.id)


def _expand(steps):
    """``(day, level, flags, count, expected)`` steps → one ``(day, level, flags, expected)`` per rating."""
    for day, level, flags, count, expected in steps:
        for _ in range(count):
            yield day, level, flags, expected


# Each sequence: (day, level, flags, how many such ratings, standing expected after each of them).
SEQUENCES = {
    "fewer_than_ten_ratings_never_change_by_rate": [
        (0, 5, (), 7, "good"), (0, 2, (), 1, "good"), (46, 2, (), 1, "good"),  # 7/9 = 78 %
    ],
    "ten_ratings_at_exactly_90_percent_stay_good_then_below_90_is_warned": [
        (0, 5, (), 8, "good"), (0, 2, (), 1, "good"), (0, 5, (), 1, "good"),  # 9/10 = 90 %
        (0, 2, (), 1, "warned"),                                              # 9/11 = 82 %
    ],
    "warned_recovers_when_the_rate_is_back_at_90_percent": [
        (0, 5, (), 8, "good"), (0, 2, (), 1, "good"), (0, 5, (), 1, "good"),
        (0, 2, (), 1, "warned"), (0, 5, (), 8, "warned"),                     # 17/19 = 89.5 %
        (0, 5, (), 1, "good"),                                                # 18/20 = 90 %
    ],
    "below_80_percent_is_suspended_and_below_70_percent_exited": [
        (0, 5, (), 7, "good"), (0, 2, (), 1, "good"), (46, 2, (), 1, "good"),
        (46, 5, (), 1, "warned"),                                             # 8/10 = 80 %
        (92, 2, (), 1, "suspended"),                                          # 8/11 = 73 %
        (92, 5, (), 1, "suspended"),                                          # 9/12 = 75 %
        (138, 2, (), 1, "exited"),                                            # 9/13 = 69 %
    ],
    "only_the_last_20_ratings_count": [
        (0, 2, (), 2, "good"), (0, 5, (), 7, "good"),
        (0, 5, (), 1, "warned"),                                              # 8/10 = 80 %
        (0, 5, (), 9, "warned"), (0, 5, (), 1, "good"),                       # 18/20 = 90 %
        # 18 of the last 20 satisfied (the first rating dropped out); 18/21 overall would be warned.
        (91, 2, (), 1, "good"),
    ],
    "three_bad_reviews_within_90_days_exit_even_with_few_ratings": [
        (0, 5, (), 5, "good"), (0, 2, (), 1, "good"), (30, 1, (), 1, "good"),
        (89, 5, ("no_show",), 1, "exited"),
    ],
    "bad_reviews_more_than_90_days_apart_do_not_exit": [
        (0, 2, (), 1, "good"), (45, 1, (), 1, "good"), (91, 2, (), 1, "good"),
    ],
    "any_flag_makes_a_bad_review": [
        (0, 5, ("forced_sales",), 2, "good"), (0, 4, ("out_of_scope", "misconduct"), 1, "exited"),
    ],
    "exit_is_kept_whatever_comes_after": [
        (0, 1, (), 2, "good"), (0, 1, (), 1, "exited"), (1, 5, (), 12, "exited"),
    ],
    "level_three_is_satisfied_and_not_a_bad_review": [
        (0, 3, (), 12, "good"),
    ],
}


def test_standing_after_each_rating(world, subtests):
    agency, enterprise = world.agency(), world.enterprise()
    # One provider per sequence, all made before the domain session opens its transaction.
    providers = {name: world.provider(f"第三方机构（{name}）") for name in sorted(SEQUENCES)}
    codes = {name: world.code(agency, provider, enterprise) for name, provider in providers.items()}

    with world.app.app_context():
        for name in sorted(SEQUENCES):
            with subtests.test(sequence=name):
                rater = Rater(codes[name], enterprise, agency.id, providers[name].id)
                observed, expected = [], []
                for day, level, flags, after in _expand(SEQUENCES[name]):
                    rater.rate(day, level, flags)
                    observed.append(rater.standing())
                    expected.append(after)
                assert observed == expected
        db.session.rollback()


def test_provider_suspended_by_its_ratings_gets_no_new_code(parties, rater):
    from datetime import date

    from server.domain.issuing import apply_for_code

    agency, provider, enterprise, code = parties
    for day, level, flags, _ in _expand(SEQUENCES["below_80_percent_is_suspended_and_below_70_percent_exited"][:5]):
        rater.rate(day, level, flags)
    assert rater.standing() == "suspended"
    provider_user = db.session.scalar(select(User).where(User.username == provider.username))

    with pytest.raises(Conflict):
        apply_for_code(provider_user, code["commission_id"], enterprise.uscc, ["安全隐患排查"],
                       date(2027, 3, 1), date(2027, 3, 31), provider.staff_ids, "复查")
    assert db.session.get(ServiceCode, code["id"]).status == "active"


def test_exit_by_bad_reviews_names_the_rule_and_the_ratings(rater):
    rater.rate(0, 5)
    first = rater.rate(0, 2)
    second = rater.rate(10, 5, ["forced_sales"])
    third = rater.rate(20, 1)

    row = rater.standing_row()
    assert row.state == "exited"
    assert row.reasons == [{
        "rule": "bad_reviews",
        "text": "90 天内差评 3 次（达到 3 次即退出）",
        "rating_ids": [first.id, second.id, third.id],
    }]


def test_exit_by_rate_names_the_rule_and_the_last_ratings(rater):
    ids = [rater.rate(0, 5).id for _ in range(6)]
    ids += [rater.rate(0, 2).id, rater.rate(46, 2).id, rater.rate(92, 2).id, rater.rate(138, 2).id]

    row = rater.standing_row()
    assert row.state == "exited"
    assert row.reasons == [{
        "rule": "satisfaction_below_exited",
        "text": "最近 10 次评价满意率 60%，低于 70%",
        "rating_ids": sorted(ids),
    }]


def test_evaluating_again_changes_nothing(rater):
    for _ in range(3):
        rater.rate(0, 2)
    entries = db.session.scalar(select(db.func.count()).select_from(AuditEntry))

    evaluate_standing(rater.agency_id, rater.provider_id)
    evaluate_standing(rater.agency_id, rater.provider_id)

    assert rater.standing() == "exited"
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == entries


def test_judge_without_ratings_is_good(rater):
    assert judge(rater.agency_id, rater.provider_id) == ("good", [])
    assert rater.standing() == "good"


def _codes_by_id(ids):
    return {code.id: code for code in db.session.scalars(select(ServiceCode).where(ServiceCode.id.in_(ids)))}


def test_exit_revokes_active_and_pending_codes_under_that_agency_only(world, parties):
    agency, provider, enterprise, active = parties
    commission = world.commission(agency, provider)
    pending = world.code(agency, provider, enterprise, commission=commission, approve=False)
    rejected = world.code(agency, provider, enterprise, commission=commission, approve=False)
    revoked = world.code(agency, provider, enterprise, commission=commission)
    assert world.client.post(f"/api/v1/codes/{rejected['id']}/reject", json={"reason": "人员资质不全"},
                             headers=agency.headers).status_code == 200
    assert world.client.post(f"/api/v1/codes/{revoked['id']}/revoke", json={"reason": "企业申请取消"},
                             headers=agency.headers).status_code == 200
    other_agency = world.agency("海宁市生态环境分局", "0573-87022345")
    other_commission = world.commission(other_agency, provider)
    elsewhere_active = world.code(other_agency, provider, enterprise, commission=other_commission)
    elsewhere_pending = world.code(other_agency, provider, enterprise, commission=other_commission, approve=False)

    with world.app.app_context():
        rater = Rater(active, enterprise, agency.id, provider.id)
        for _ in range(3):
            rater.rate(0, 1)
        codes = _codes_by_id([active["id"], pending["id"], rejected["id"], revoked["id"],
                              elsewhere_active["id"], elsewhere_pending["id"]])
        statuses = {code_id: code.status for code_id, code in codes.items()}
        reasons = {code_id: code.decision_reason for code_id, code in codes.items()}
        exit_entries = db.session.scalars(select(AuditEntry.object_id).where(
            AuditEntry.action == "code.revoke_on_exit").order_by(AuditEntry.object_id)).all()
        other_standing = standing_of(other_agency.id, provider.id)
        db.session.rollback()

    assert statuses == {
        active["id"]: "revoked", pending["id"]: "revoked", rejected["id"]: "rejected", revoked["id"]: "revoked",
        elsewhere_active["id"]: "active", elsewhere_pending["id"]: "pending",
    }
    exit_text = "机构退出：90 天内差评 3 次（达到 3 次即退出）"
    assert reasons[active["id"]] == exit_text
    assert reasons[pending["id"]] == exit_text
    assert reasons[rejected["id"]] == "人员资质不全"
    assert reasons[revoked["id"]] == "企业申请取消"
    assert exit_entries == sorted([active["id"], pending["id"]])
    assert other_standing == "good"


def _agency_user(agency):
    return db.session.scalar(select(User).where(User.username == agency.username))


def test_reinstatement_needs_a_written_reason(parties, rater):
    agency, provider, _, _ = parties
    for _ in range(3):
        rater.rate(0, 1)

    with pytest.raises(Invalid) as raised:
        reinstate_provider(_agency_user(agency), db.session.get(Organisation, provider.id), "   ")
    assert set(raised.value.errors) == {"reason"}
    assert rater.standing() == "exited"


def test_reinstatement_sets_reinstated_and_keeps_exit_revocations(parties, rater):
    agency, provider, _, code = parties
    for _ in range(3):
        rater.rate(0, 1)
    clock.set_now(NOW + timedelta(days=5))

    row = reinstate_provider(_agency_user(agency), db.session.get(Organisation, provider.id), "已完成整改，复核合格")

    assert row.state == "reinstated"
    assert row.reasons == [{"rule": "reinstated", "text": "已完成整改，复核合格", "rating_ids": []}]
    assert clock.as_utc(row.counting_from) == NOW + timedelta(days=5)
    assert db.session.get(ServiceCode, code["id"]).status == "revoked"


def test_reinstated_provider_is_judged_only_on_later_ratings(parties, rater):
    agency, provider, _, _ = parties
    for _ in range(3):
        rater.rate(0, 1)
    reinstate_provider(_agency_user(agency), db.session.get(Organisation, provider.id), "已完成整改")

    states = []
    for day, level in ((1, 2), (2, 1), (3, 5), (4, 2)):
        rater.rate(day, level)
        states.append(rater.standing())

    assert states == ["reinstated", "reinstated", "reinstated", "exited"]


def test_reinstating_a_provider_in_good_standing_is_a_conflict(parties, ctx):
    agency, provider, _, _ = parties

    with pytest.raises(Conflict):
        reinstate_provider(_agency_user(agency), db.session.get(Organisation, provider.id), "无")


def test_only_an_agency_reinstates(parties, rater):
    _, provider, enterprise, _ = parties
    for _ in range(3):
        rater.rate(0, 1)

    with pytest.raises(Forbidden):
        reinstate_provider(rater.user, db.session.get(Organisation, provider.id), "想恢复")
    assert rater.standing() == "exited"


def _visit_of(code_id, user, agency_id, provider_id, day):
    clock.set_now(NOW + timedelta(days=day))
    visit = Visit(code_id=code_id, agency_id=agency_id, provider_id=provider_id, enterprise_id=user.org_id,
                  entered_at=clock.now() - timedelta(hours=2), closed_at=clock.now() - timedelta(hours=1),
                  close_kind="completed", summary="完成")
    db.session.add(visit)
    db.session.flush()
    return visit


def test_bad_reviews_of_one_code_count_once_toward_exit(parties, rater):
    # One enterprise with one code, three days of bad reviews: one engagement's view, handled by
    # its cases; it alone does not make the provider exit.
    agency, provider, enterprise, code = parties
    ratings = [rate_visit(rater.user, _visit_of(code["id"], rater.user, agency.id, provider.id, day).id, 1)
               for day in (0, 1, 2)]
    assert rater.standing() == "good"
    assert all(rating.bad for rating in ratings)

    # Two more codes with a bad review each: three codes, the rule fires, naming every rating.
    for day in (3, 4):
        rater.rate(day, 2)
    row = rater.standing_row()
    assert row.state == "exited"
    assert row.reasons[0]["rule"] == "bad_reviews"
    assert row.reasons[0]["text"] == "90 天内差评 3 次（同一服务码的差评计一次，共 5 条；达到 3 次即退出）"
    assert len(row.reasons[0]["rating_ids"]) == 5


def test_exit_leaves_a_code_whose_window_has_ended_expired(world, parties):
    agency, provider, enterprise, active = parties
    commission = world.commission(agency, provider)
    clock.set_now(NOW - timedelta(days=2))  # 1 December: a code for the 1st and 2nd is applied and approved
    world.sign_in_again(agency, provider)
    ended = world.code(agency, provider, enterprise, commission=commission,
                       valid_from=date(2026, 12, 1), valid_until=date(2026, 12, 2))
    clock.set_now(NOW)

    with world.app.app_context():
        rater = Rater(active, enterprise, agency.id, provider.id)
        for _ in range(3):
            rater.rate(0, 1)
        statuses = {code_id: db.session.get(ServiceCode, code_id).status for code_id in (active["id"], ended["id"])}
        db.session.rollback()

    # The code that ended on 2 December stays active in the record, and reads expired; it was not
    # relabelled revoked by an exit on the 3rd.
    assert statuses == {active["id"]: "revoked", ended["id"]: "active"}


def test_one_enterprise_rating_one_code_day_after_day_counts_once_in_the_rate_rule(parties, rater):
    # Ten other services rated very satisfied; then one enterprise, with one code, rates a new
    # visit very dissatisfied every day, and adds the follow-up rating after the first.
    agency, provider, enterprise, code = parties
    for _ in range(10):
        rater.rate(0, 5)
    first = None
    for day in range(1, 8):
        visit = _visit_of(code["id"], rater.user, agency.id, provider.id, day)
        rating = rate_visit(rater.user, visit.id, 1)
        first = first or (visit, rating)
    rate_visit(rater.user, first[0].id, 1, followup=True)

    # Its code counts once, by its latest rating: 10 of 11 satisfied (91 %), one bad code.
    assert rater.standing() == "good"
    state, reasons = judge(agency.id, provider.id)
    assert (state, reasons) == ("good", [])
