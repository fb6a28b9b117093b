"""Database layer: SQLAlchemy models, engine, repositories, migrations."""
