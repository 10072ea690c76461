"""SQLModel tables, the async engine, repositories and alembic migrations."""
