"""Documents: one row per uploaded document with its status, fields read and problems."""
