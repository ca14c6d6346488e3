"""The service catalogue: categories of service and their scope items."""
from ..extensions import db


class ServiceCategory(db.Model):
    """A category of service (安全生产咨询, 消防设施检测, …) with its scope items."""

    __tablename__ = "service_categories"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64), unique=True, nullable=False)
    kind = db.Column(db.String(16), nullable=False)  # 咨询 / 检测 / 维护
    items = db.Column(db.JSON, nullable=False)
