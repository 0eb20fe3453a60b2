"""The per-user Redis read cache: read-through on the API side, kept warm and invalidated by
the projector after each batch it commits."""
