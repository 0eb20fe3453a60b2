"""Synthetic Form 16 documents and helpers for the document tests and the OCR benchmark."""
