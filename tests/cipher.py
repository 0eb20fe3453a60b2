"""The event-store cipher key every test process shares (a test key, not a secret).

All processes of one test session write to the same database, so they must agree on one key.
"""

from __future__ import annotations

# base64 of b"test-only-key-burnblack-32-bytes"
TEST_CIPHER_KEY = "dGVzdC1vbmx5LWtleS1idXJuYmxhY2stMzItYnl0ZXM="

# The blind indexes' key for applications built without settings (in-memory stores).
TEST_INDEX_KEY = b"test-only-index-key-burnblack-32"
