"""GuideDesk's PySide6 widgets (DESIGN.md §2): they call `app` services on the one task runner and show
plain dataclasses. Never imports requests, sqlalchemy, alembic or hq. The window arrives with its issue."""
