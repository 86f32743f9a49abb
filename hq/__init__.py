"""GuideDesk HQ: the sync server and admin tools a chain deploys (DESIGN.md §3, §5, §6).

FastAPI + SQLAlchemy 2; SQLite by default (zero set-up), PostgreSQL in production. From the client it
takes only the wire contract (`app.sync.protocol`) and the code formats (`app.qr`).
"""
