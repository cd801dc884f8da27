"""Every SQLAlchemy model, imported in one place so Alembic sees the whole schema."""

from app.auth.models import ApiKey
from app.core.db import Base
from app.org.models import Agent, Queue, Team, Tenant

__all__ = ["Agent", "ApiKey", "Base", "Queue", "Team", "Tenant"]
