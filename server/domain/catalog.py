"""The service catalogue (服务目录)."""
from sqlalchemy import select

from ..extensions import db
from ..models import ServiceCategory
from .errors import Invalid


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
