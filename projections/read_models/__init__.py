"""The read models, one package each: its table (DDL), its projection (the fold of events into
rows) and the queries the API answers from it."""
