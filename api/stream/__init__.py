"""`GET /api/v1/stream`: a WebSocket of the logged-in taxpayer's changes (docs/stream.md)."""
