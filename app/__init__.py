"""GuideDesk client core: database, domain services, QR codes, sync engine and CLI. Never imports Qt."""

__version__ = "0.1.0"
