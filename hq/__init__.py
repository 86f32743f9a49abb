"""GuideDesk HQ: the sync server and admin tools a chain deploys (DESIGN.md §3, §5, §6).

FastAPI + SQLAlchemy 2; SQLite by default (zero set-up), PostgreSQL in production. What it shares with the
workstation is the `contract` package; from the client it takes only the code formats (`app.qr`).
"""
