"""Demo and launcher: the demo data generators' word lists, the workstation demo generator, a local HQ
for `python run.py app`, and the launcher itself. Not part of the shipped client core (`app/`)."""
