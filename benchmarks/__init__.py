"""GuideDesk benchmarks (DESIGN.md §7): `python -m benchmarks`, or `python run.py bench`.

Each figure is measured beside its floor (raw sqlite3 doing the same query or transaction) in the same
run, because absolute times on a shared machine drift. Results go to docs/benchmarks.md and
docs/benchmarks.json.
"""
