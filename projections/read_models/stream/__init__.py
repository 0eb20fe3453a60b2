"""The taxpayer's stream of changes: messages kept for replay and published on Redis."""
