"""What the workstation (`app`) and HQ (`hq`) must agree on, imported by both — one definition, not a copy
on each side: the sync wire models (`wire`), the PIN hash format (`pins`), the UTC column type and the
naming convention of both schemas (`db`), the store's time zone (`storetime`), the policy defaults
(`policy`), lifecycle stage names (`stages`), the join-rate formula (`measures`) and the guard that keeps
exported text from running as a spreadsheet formula (`sheets`).

It imports neither side, and nothing of Qt, FastAPI or pydantic: the standard library, SQLAlchemy's type
system and `annotated-types` (constraints pydantic reads on HQ's side) only.
"""
