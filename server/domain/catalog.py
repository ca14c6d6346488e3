"""The service catalogue (服务目录)."""
from sqlalchemy import select

from ..extensions import db
from ..models import ServiceCategory
from . import audit
from .errors import Forbidden, Invalid


def upsert_category(name, kind, items):
    """Create the category or replace its kind and items. Raises Invalid for an empty item list."""
    items = [item.strip() for item in items if item and item.strip()]
    if not items:
        raise Invalid({"items": ["每个类别至少有一项服务事项"]})
    category = db.session.scalar(select(ServiceCategory).where(ServiceCategory.name == name))
    if category is None:
        category = ServiceCategory(name=name, kind=kind, items=items)
        db.session.add(category)
    else:
        category.kind, category.items = kind, items
    db.session.flush()
    return category


def categories():
    """The whole catalogue, by name."""
    return db.session.scalars(select(ServiceCategory).order_by(ServiceCategory.id)).all()


#: The kinds of service in the catalogue.
CATEGORY_KINDS = ("咨询", "检测", "维护")


def edit_category(actor, name, kind, items):
    """An admin creates a category or replaces its kind and items, with an audit row.

    Raises Forbidden for non-admins, Invalid naming each field: an empty or over-long name, a kind
    outside ``CATEGORY_KINDS``, an empty, over-long or repeated item.
    """
    if actor.role != "admin":
        raise Forbidden("只有平台管理员可以维护服务目录")
    name = (name or "").strip()
    items = [item.strip() for item in items if item and item.strip()]
    errors = {}
    if not name or len(name) > 64:
        errors["name"] = ["类别名称须为 1 到 64 字"]
    if kind not in CATEGORY_KINDS:
        errors["kind"] = [f"类型须为{'、'.join(CATEGORY_KINDS)}之一"]
    if any(len(item) > 100 for item in items):
        errors["items"] = ["每项服务事项不超过 100 字"]
    elif len(set(items)) != len(items):
        errors["items"] = ["服务事项有重复"]
    if errors:
        raise Invalid(errors)
    existing = db.session.scalar(select(ServiceCategory).where(ServiceCategory.name == name))
    before = {"kind": existing.kind, "items": list(existing.items)} if existing is not None else None
    category = upsert_category(name, kind, items)
    audit.record(actor, "catalog.update" if before else "catalog.create", category, before=before,
                 after={"name": name, "kind": kind, "items": list(category.items)})
    return category
