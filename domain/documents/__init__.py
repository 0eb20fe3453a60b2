"""Form 16 documents: the Document aggregate, text model and field extraction (pure)."""
