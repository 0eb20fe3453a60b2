"""The read side: read models (`read_models/`), the projector that keeps them (`projector/`),
the reactors that turn events into jobs (`reactors/`), the read cache (`cache/`), reading the
event log (`eventlog/`) and every Redis key (`redis_keys.py`). docs/architecture.md, "Where
the code lives"."""
