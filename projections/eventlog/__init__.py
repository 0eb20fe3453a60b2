"""The event log as stored: its order (positions below a horizon), its hash chain and daily
seals, and reading it as light records."""
