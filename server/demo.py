"""Demo data: ``flask seed-demo`` loads a small county from ``server/demo_data/*.json``.

It walks the same domain functions as the pages and the API (so every row has its audit trail):
the catalogue, agencies, providers with their staff, enterprises, one login per organisation and
an admin; then commissions and service codes in every state — pending, active, rejected, revoked,
expired (its window over), reissued (an old version superseded) — with scans, open and finished
visits and ratings, one of them a bad review. Past events are recorded by moving the application
clock back for a moment.

Running it again changes nothing: when the demo is loaded it only prints the logins and the URL
of a code that is valid today.
"""
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import exists, select
from stdnum.cn import uscc as uscc_number
from werkzeug.security import check_password_hash

from . import clock
from .domain import catalog, issuing, orgs, rating, verifying, visits
from .domain.errors import Conflict, DomainError
from .extensions import db
from .models import Organisation, ServiceCode, Standing, User, Visit

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo_data")

#: The one password of every demo login. Printed; never use the demo in production.
DEMO_PASSWORD = "demo1234"
ADMIN_USERNAME = "admin"

#: A government organ's USCC: 1 (registered by 机构编制) 1 (机关) 330481 (海宁市) …
AGENCY_USCC_PREFIX = "11330481"

#: Which agency buys each category of service, keyed by the agency keys of agencies.json.
CATEGORY_AGENCY = {
    "安全生产咨询": "yjj", "职业卫生检测": "yjj", "消防设施检测": "xf",
    "环境监测": "sthj", "特种设备维保": "scjg", "食品安全指导": "scjg",
}
#: A town government buys safety consulting for the enterprises in its own town.
TOWN_COMMISSIONS = {"海宁市安和安全咨询服务有限公司": ("dq", "丁桥镇")}
#: Which industries need each category (picks plausible enterprises for the codes).
CATEGORY_INDUSTRIES = {
    "安全生产咨询": ("化工", "光伏", "机械", "皮革"), "消防设施检测": ("仓储物流", "物业", "家纺", "经编"),
    "环境监测": ("化工", "皮革", "经编"), "职业卫生检测": ("家纺", "经编", "皮革", "机械"),
    "特种设备维保": ("仓储物流", "物业", "机械"), "食品安全指导": ("餐饮", "食品"),
}
PURPOSES = {
    "安全生产咨询": "年度安全隐患排查服务", "消防设施检测": "年度消防设施检测",
    "环境监测": "季度废水废气采样检测", "职业卫生检测": "年度职业病危害因素检测",
    "特种设备维保": "特种设备月度维护保养", "食品安全指导": "后厨卫生与食品留样指导",
}
#: Ratings of the finished visits, in order; level 2 with a flag is the bad review.
GOOD_RATINGS = [(5, "服务专业，讲解清楚"), (4, None), (5, "按约定时间到场，没有额外收费"), (3, "整改建议可以更具体"),
                (5, None), (4, "人员态度好")]
BAD_REVIEW = (2, ["forced_sales"], "检测人员现场推销灭火器，要求另行付费")
#: Positions (in providers.json) of the provider that gets the bad review, and of those whose
#: latest visit is still waiting for its rating.
BAD_REVIEW_PROVIDER = 6
UNRATED_PROVIDERS = (3, 7)


def _digits(text, salt, count):
    """``count`` decimal digits derived from ``text``: stable across runs and machines."""
    number = int(hashlib.sha256(f"{salt}:{text}".encode()).hexdigest(), 16)
    return f"{number % 10 ** count:0{count}d}"


def agency_uscc(key):
    """A stable, valid USCC for the agency with ``key`` (agencies.json has none)."""
    body = AGENCY_USCC_PREFIX + "MB" + _digits(key, "uscc", 7)
    return body + uscc_number.calc_check_digit(body)


def agency_phone(key):
    """A plausible complaint phone (监督电话) in Haining: 0573-87xxxxxx."""
    return "0573-87" + _digits(key, "phone", 6)


def provider_phone(uscc):
    """An office phone with the area code of the provider's region (杭州 0571, 嘉兴 0573)."""
    area = {"3304": "0573"}.get(uscc[2:6], "0571")
    return f"{area}-8{_digits(uscc, 'phone', 7)}"


def _load(name):
    with open(os.path.join(DATA_DIR, f"{name}.json"), encoding="utf-8") as handle:
        return json.load(handle)


@dataclass
class Story:
    """One provider's commission under one agency and the codes made under it."""

    provider: dict
    agency: User
    targets: list
    commission: object = None
    code_a: ServiceCode = None
    code_b: ServiceCode = None


@dataclass
class Login:
    username: str
    role: str
    org_name: str
    note: str = ""


class DemoCounty:
    """Builds the demo. ``present`` is the instant the command started; past events move the
    clock back to a day and hour before it."""

    def __init__(self, config):
        self.config = config
        self.present = clock.now()
        self.today = clock.today()
        self.agencies = _load("agencies")
        self.providers = _load("providers")
        self.enterprises = _load("enterprises")
        self.users = {}          # username -> User
        self.catalogue = {}      # category -> scope items
        self._rating_index = 0

    # ---- time ---------------------------------------------------------------------------------

    def at(self, days_ago, hour=9, minute=0):
        """Move the clock to ``hour:minute`` Shanghai time ``days_ago`` days before today.

        Today's events (``days_ago=0``) are placed ``hour`` hours before the present instead, so
        that nothing is recorded in the future whatever the time of day.
        """
        if days_ago == 0:
            clock.set_now(self.present - timedelta(hours=hour, minutes=minute))
        else:
            day = self.today - timedelta(days=days_ago)
            clock.set_now(datetime.combine(day, time(hour, minute), clock.BUSINESS_TZ))

    def day(self, offset):
        return self.today + timedelta(days=offset)

    # ---- organisations and logins -------------------------------------------------------------

    def _login(self, actor, username, role, org):
        self.users[username] = orgs.create_user(actor, username, DEMO_PASSWORD, role, org)

    def organisations(self):
        """Catalogue, organisations, logins and staff, registered 90 days ago."""
        self.at(90, 9)
        admin = db.session.scalar(select(User).where(User.username == ADMIN_USERNAME))
        if admin is None:
            admin = orgs.create_admin(ADMIN_USERNAME, DEMO_PASSWORD)
        elif admin.role != "admin":
            raise Conflict(f"用户名 {ADMIN_USERNAME} 已被一个非管理员账号占用")
        for entry in _load("service_catalog"):
            catalog.upsert_category(entry["category"], entry["kind"], entry["items"])
        for entry in self.agencies:
            org = orgs.create_org(admin, "agency", agency_uscc(entry["key"]), entry["name"], agency_phone(entry["key"]))
            self._login(admin, entry["key"], "agency", org)
        for index, entry in enumerate(self.providers, start=1):
            org = orgs.create_org(admin, "provider", entry["uscc"], entry["name"], provider_phone(entry["uscc"]))
            entry["username"] = f"p{index}"
            self._login(admin, entry["username"], "provider", org)
            entry["staff_ids"] = [orgs.add_staff(self.users[f"p{index}"], person["name"], person["phone"],
                                                 person.get("title")).id for person in entry["staff"]]
        for index, entry in enumerate(self.enterprises, start=1):
            org = orgs.create_org(admin, "enterprise", entry["uscc"], entry["name"], entry.get("phone"))
            self._login(admin, f"e{index:03d}", "enterprise", org)
            entry["username"] = f"e{index:03d}"

    # ---- the life of codes --------------------------------------------------------------------

    def _enterprises_for(self, category, town=None):
        if town is not None:
            return [entry for entry in self.enterprises if entry["town"] == town]
        industries = CATEGORY_INDUSTRIES.get(category, ())
        return [entry for entry in self.enterprises if entry["industry"] in industries] or self.enterprises

    def apply(self, story, enterprise, valid_from, valid_until, scope_count=2, staff_count=2):
        commission, provider = story.commission, story.provider
        return issuing.apply_for_code(
            self.users[provider["username"]], commission.id, enterprise["uscc"],
            commission.scope_items[:scope_count], valid_from, valid_until,
            provider["staff_ids"][:staff_count], PURPOSES.get(commission.category, commission.category + "服务"))

    def scan(self, url, username=None, expect=None):
        """Scan ``url`` as ``username`` (None: anonymously); ``expect`` checks the verdict's reason."""
        user = self.users.get(username)
        scanner = verifying.Scanner(user.id, user.role, user.org_id) if user else verifying.Scanner()
        verdict = verifying.verify_scan(
            url, scanner, keys=self.config["SECRET_KEYS"], public_base_url=self.config["PUBLIC_BASE_URL"],
            tolerance_seconds=self.config["VALIDITY_TOLERANCE_SECONDS"],
            dynamic_lifetime=self.config["DYNAMIC_CODE_LIFETIME"])
        if expect is not None and verdict.reason != expect:
            raise RuntimeError(f"demo scan of {url} answered {verdict.reason}, expected {expect}")
        return verdict

    def url(self, code):
        return issuing.code_url(code, self.config["SECRET_KEYS"], self.config["PUBLIC_BASE_URL"])

    def finished_visit(self, story, enterprise, code, days_ago, rate=None):
        """The enterprise scans at 09:30, the provider finishes at 11:45, the rating comes the next
        afternoon (``days_ago`` ≥ 2, so that all of it lies in the past)."""
        self.at(days_ago, 9, 30)
        visit_id = self.scan(self.url(code), enterprise["username"], expect="ok").visit_id
        self.at(days_ago, 11, 45)
        summary = f"完成{'、'.join(code.scope_items)}，发现问题已当场告知企业负责人并留存记录"
        visits.complete_visit(self.users[story.provider["username"]], visit_id, summary)
        if rate is not None:
            self.at(days_ago - 1, 16)
            level, flags, comment = rate
            rating.rate_visit(self.users[enterprise["username"]], visit_id, level, flags, comment)
        return visit_id

    def commission_story(self, index, provider):
        """Three codes for every provider (active with visits, active and unused, pending), plus one
        special case for some: rejected, revoked, expired, checked out, reissued, open visit."""
        category = provider["category"]
        agency_key, town = TOWN_COMMISSIONS.get(provider["name"], (CATEGORY_AGENCY.get(category, "yjj"), None))
        served = self._enterprises_for(category, town)
        # Spread providers of the same category over different enterprises.
        shift = index % len(served)
        story = Story(provider, self.users[agency_key], (served[shift:] + served[:shift])[:4])
        self.at(60, 10)
        story.commission = issuing.create_commission(
            story.agency, provider["uscc"], category, list(self.catalogue[category]),
            self.day(-90), self.day(275), enterprise_usccs=[entry["uscc"] for entry in served] if town else None)

        # A: active for a month, two finished visits (the second one's rating varies).
        self.at(35)
        story.code_a = self.apply(story, story.targets[0], self.day(-34), self.day(25))
        self.at(34, 10)
        issuing.approve_code(story.agency, story.code_a.id)
        self.finished_visit(story, story.targets[0], story.code_a, 30, rate=self._next_rating())
        if index == BAD_REVIEW_PROVIDER:
            second = BAD_REVIEW
        else:
            second = None if index in UNRATED_PROVIDERS else self._next_rating()
        self.finished_visit(story, story.targets[0], story.code_a, 12, rate=second)

        # B: approved two days ago, not used yet.
        self.at(3)
        story.code_b = self.apply(story, story.targets[1], self.day(-2), self.day(28), staff_count=1)
        self.at(2, 10)
        issuing.approve_code(story.agency, story.code_b.id)

        # C: applied for today, waiting for the agency.
        self.at(0, 1)
        self.apply(story, story.targets[2], self.day(1), self.day(14))

        special = {0: self.rejected_code, 1: self.revoked_code, 2: self.expired_code,
                   3: self.checked_out_visit, 4: self.reissued_code, 5: self.open_visit}.get(index)
        if special is not None:
            special(story)
        if index == 0:
            self.failed_scans(story)

    def rejected_code(self, story):
        """Rejected: the agency refuses an application with a reason."""
        self.at(6)
        code = self.apply(story, story.targets[3], self.day(-4), self.day(20), scope_count=4)
        self.at(5, 10)
        issuing.reject_code(story.agency, code.id, "申请的服务事项超出企业实际需求，请按排查计划调整后重新申请")

    def revoked_code(self, story):
        """Revoked: used once, then withdrawn; an anonymous scan afterwards is refused."""
        self.at(20)
        code = self.apply(story, story.targets[3], self.day(-19), self.day(40))
        self.at(19, 10)
        issuing.approve_code(story.agency, code.id)
        self.finished_visit(story, story.targets[3], code, 15, rate=self._next_rating())
        self.at(3, 15)
        issuing.revoke_code(story.agency, code.id, "企业已自行委托检测，本次服务取消")
        self.at(2, 9)
        self.scan(self.url(code), expect="revoked")

    def expired_code(self, story):
        """Expired: an approved code whose window ended two days ago."""
        self.at(40)
        code = self.apply(story, story.targets[3], self.day(-40), self.day(-2))
        self.at(39, 10)
        issuing.approve_code(story.agency, code.id)
        self.finished_visit(story, story.targets[3], code, 25, rate=self._next_rating())

    def checked_out_visit(self, story):
        """Checked out: a visit this morning that the enterprise closed itself."""
        enterprise = story.targets[0]["username"]
        self.at(0, 3)
        visit_id = self.scan(self.url(story.code_a), enterprise, expect="ok").visit_id
        self.at(0, 1, 30)
        visits.check_out_visit(self.users[enterprise], visit_id)

    def reissued_code(self, story):
        """Reissued: the provider reissues a code; the old QR now reads ``superseded``."""
        old_url = self.url(story.code_b)
        self.at(1, 11)
        issuing.reissue_code(self.users[story.provider["username"]], story.code_b.id)
        self.at(0, 0, 30)
        self.scan(old_url, story.targets[1]["username"], expect="superseded")

    def open_visit(self, story):
        """Open: the provider is at the enterprise right now."""
        self.at(0, 2)
        self.scan(self.url(story.code_a), story.targets[0]["username"], expect="ok")

    def failed_scans(self, story):
        """Failed scans for the agency's 异常扫码 page: a copy of code A's QR with an altered
        signature shown at another enterprise's door, then the real one scanned there."""
        url = self.url(story.code_a)
        forged = url[:-4] + ("AAAA" if not url.endswith("AAAA") else "EEEE")
        neighbour = story.targets[1]["username"]
        self.at(4, 14)
        self.scan(forged, neighbour, expect="bad_signature")
        self.at(4, 14, 5)
        self.scan(url, neighbour, expect="wrong_enterprise")

    def _next_rating(self):
        level, comment = GOOD_RATINGS[self._rating_index % len(GOOD_RATINGS)]
        self._rating_index += 1
        return level, [], comment

    def build(self):
        self.organisations()
        self.catalogue = {category.name: category.items for category in catalog.categories()}
        for index, provider in enumerate(self.providers):
            self.commission_story(index, provider)


# ---- what is printed --------------------------------------------------------------------------

def is_loaded():
    """The demo is loaded when its first agency is registered."""
    first = _load("agencies")[0]["key"]
    return db.session.scalar(select(Organisation.id).where(Organisation.uscc == agency_uscc(first))) is not None


def demo_logins():
    """The demo's logins that exist, admin first, then agencies, providers, enterprises."""
    usernames = [ADMIN_USERNAME] + [entry["key"] for entry in _load("agencies")]
    usernames += [f"p{index}" for index in range(1, len(_load("providers")) + 1)]
    usernames += [f"e{index:03d}" for index in range(1, len(_load("enterprises")) + 1)]
    found = {user.username: user for user in db.session.scalars(select(User).where(User.username.in_(usernames)))}
    logins = []
    for username in usernames:
        user = found.get(username)
        if user is None:
            continue
        note = ""
        if username == ADMIN_USERNAME and not check_password_hash(user.password_hash, DEMO_PASSWORD):
            note = "（此前已存在，密码不是演示密码）"
        logins.append(Login(username, user.role, user.org.name, note))
    return logins


def valid_demo_code():
    """The code to show: approved, valid today, never visited, provider not exited (lowest id)."""
    today = clock.today()
    exited = select(Standing.id).where(
        Standing.agency_id == ServiceCode.agency_id, Standing.provider_id == ServiceCode.provider_id,
        Standing.state == "exited")
    visited = select(Visit.id).where(Visit.code_id == ServiceCode.id)
    return db.session.scalar(select(ServiceCode).where(
        ServiceCode.status == "active", ServiceCode.valid_from <= today, ServiceCode.valid_until >= today,
        ~exists(exited), ~exists(visited)).order_by(ServiceCode.id).limit(1))


def print_summary(config):
    """Print the logins (enterprises: those with codes) and the URL of a code valid today."""
    logins = demo_logins()
    with_codes = set(db.session.scalars(select(User.username).join(
        ServiceCode, ServiceCode.enterprise_id == User.org_id).distinct()))
    enterprises = [login for login in logins if login.role == "enterprise"]
    shown = [login for login in logins if login.role != "enterprise" or login.username in with_codes]
    click.echo(f"\n演示账号 / demo logins（用户名 / 密码 / 角色 / 单位）— 密码均为 {DEMO_PASSWORD}")
    for login in shown:
        click.echo(f"  {login.username:<6} {DEMO_PASSWORD:<9} {login.role:<10} {login.org_name}{login.note}")
    if enterprises:
        click.echo(f"  （以上企业有服务码；每家企业都有账号 {enterprises[0].username}–{enterprises[-1].username}，"
                   f"共 {len(enterprises)} 个，密码相同）")
    code = valid_demo_code()
    if code is None:
        click.echo("\n今天没有有效的演示服务码（演示数据已过期：删除数据库后重新运行 seed-demo）。")
        return
    enterprise = db.session.scalar(select(User).where(User.org_id == code.enterprise_id).order_by(User.id))
    click.echo(f"\n有效服务码 active code：{code.provider.name} → {code.enterprise.name}，人工码 {code.human_code}"
               f"（企业账号 {enterprise.username if enterprise else '—'} 登录后扫码即登记入企）")
    click.echo(f"  URL: {issuing.code_url(code, config['SECRET_KEYS'], config['PUBLIC_BASE_URL'])}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo county (idempotent) and print its logins and one valid code's URL."""
    config = current_app.config
    if config.get("ENV_NAME") == "production":
        raise click.ClickException("seed-demo 不能在 APP_ENV=production 下运行（演示账号的密码是公开的）")
    if is_loaded():
        click.echo("演示数据已存在，未做改动。Demo data already loaded; nothing changed.")
        print_summary(config)
        return
    click.echo("正在载入演示数据（为每个单位创建账号，约需半分钟）…")
    # A frozen clock (tests) is put back as it was; a running one runs again (set_now(None)).
    frozen = clock.frozen_at()
    county = DemoCounty(config)
    try:
        county.build()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"演示数据载入失败：{error.message} {error.errors or ''}".strip())
    except Exception:
        db.session.rollback()
        raise
    finally:
        clock.set_now(frozen)
    db.session.commit()
    click.echo(f"已载入：{len(county.agencies)} 个委托单位、{len(county.providers)} 家第三方机构、"
               f"{len(county.enterprises)} 家企业。")
    print_summary(config)
