"""server.domain.exit_rules: each agency's own thresholds drive the standing; changes are validated,
audited, and re-evaluate the providers at once."""
import pytest
from sqlalchemy import select

from server.domain.errors import Forbidden, Invalid
from server.domain.exit_rules import rules_for, update_rules
from server.domain.standing import DEFAULT_RULES, ExitRules
from server.extensions import db
from server.models import AuditEntry, User
from tests.domain.test_standing import Rater, _expand

STRICT = dict(window=5, minimum_sample=5, warn_below=0.8, suspend_below=0.6, exit_below=0.4,
              bad_reviews_to_exit=2, bad_review_days=30, exit_flags=["forced_sales"])

# (day, level, flags, how many, expected standing after each) under STRICT rules.
STRICT_SEQUENCES = {
    "five_ratings_are_enough_and_only_the_last_five_count": [
        (0, 5, (), 4, "good"),                                    # fewer than 5 ratings
        (0, 2, (), 1, "good"),                                    # 4/5 = 80 %: not below 0.8
        (40, 2, (), 1, "warned"),                                 # 5,5,5,2,2: 60 %
        (40, 5, (), 3, "warned"),                                 # still two 2s among the last five
        (40, 5, (), 1, "good"),                                   # 2,5,5,5,5: the first 2 dropped out
    ],
    "below_the_agency_thresholds": [
        (0, 5, (), 3, "good"), (0, 3, (), 1, "good"),
        (0, 2, (), 1, "good"),                                    # 4/5 = 80 %: not below 0.8
        (40, 2, (), 1, "warned"),                                 # last 5: 3/5 = 60 %: below 0.8
        (80, 2, (), 1, "suspended"),                              # 2/5 = 40 %: below 0.6
        (120, 2, (), 1, "exited"),                                # 1/5 = 20 %: below 0.4
    ],
    "two_bad_reviews_within_30_days_exit": [
        (0, 5, (), 1, "good"), (0, 1, (), 1, "good"), (29, 2, (), 1, "exited"),
    ],
}


def agency_user(agency):
    return db.session.scalar(select(User).where(User.username == agency.username))


@pytest.fixture
def scene(world):
    agency, enterprise = world.agency(), world.enterprise()
    providers = {name: world.provider(f"第三方机构（{name}）") for name in sorted(STRICT_SEQUENCES)}
    codes = {name: world.code(agency, provider, enterprise) for name, provider in providers.items()}
    return world, agency, enterprise, providers, codes


def test_an_agency_without_its_own_rules_uses_the_defaults(scene, ctx):
    world, agency, *_ = scene
    assert rules_for(agency.id) == DEFAULT_RULES


def test_standing_follows_the_agencys_own_rules(scene, subtests):
    world, agency, enterprise, providers, codes = scene
    with world.app.app_context():
        rules, dynamic_only = update_rules(agency_user(agency), **STRICT)
        assert rules == ExitRules(window=5, minimum_sample=5, warn_below=0.8, suspend_below=0.6, exit_below=0.4,
                                  bad_reviews_to_exit=2, bad_review_days=30, exit_flags=("forced_sales",))
        assert dynamic_only is False
        for name in sorted(STRICT_SEQUENCES):
            with subtests.test(sequence=name):
                rater = Rater(codes[name], enterprise, agency.id, providers[name].id)
                observed, expected = [], []
                for day, level, flags, after in _expand(STRICT_SEQUENCES[name]):
                    rater.rate(day, level, flags)
                    observed.append(rater.standing())
                    expected.append(after)
                assert observed == expected
        db.session.rollback()


def test_a_rules_change_is_audited_and_applies_at_once(scene):
    world, agency, enterprise, providers, codes = scene
    name = "below_the_agency_thresholds"
    with world.app.app_context():
        rater = Rater(codes[name], enterprise, agency.id, providers[name].id)
        for level in (5, 5, 5, 5, 2):
            rater.rate(0, level)
        assert rater.standing() == "good"          # 5 ratings: below the default sample of 10
        update_rules(agency_user(agency), window=5, minimum_sample=5)
        assert rater.standing() == "warned"        # 4/5 = 80 %: below the default 90 %
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exit_rules.update"))
        assert (entry.object_type, entry.object_id, entry.before["window"], entry.after["window"]) == (
            "exit_rules", agency.id, 20, 5)
        db.session.rollback()


@pytest.mark.parametrize("changes, field", [
    ({"exit_below": 0.85}, "suspend_below"),
    ({"minimum_sample": 30}, "minimum_sample"),
    ({"window": 0}, "window"),
    ({"warn_below": 1.5}, "warn_below"),
    ({"bad_review_days": 0}, "bad_review_days"),
    ({"exit_flags": ["bribery"]}, "exit_flags"),
])
def test_rules_that_do_not_fit_together_are_refused_by_field(scene, ctx, changes, field):
    world, agency, *_ = scene
    with pytest.raises(Invalid) as refused:
        update_rules(agency_user(agency), **changes)
    assert field in refused.value.errors
    assert rules_for(agency.id) == DEFAULT_RULES


def test_only_an_agency_changes_rules(scene, ctx):
    world, agency, enterprise, providers, codes = scene
    provider = next(iter(providers.values()))
    with pytest.raises(Forbidden):
        update_rules(db.session.scalar(select(User).where(User.username == provider.username)), window=5)
