"""HQ persistence: models, the engine and its transactions, migrations run from code, bootstrap."""
