"""Followers that act on committed events instead of keeping rows: enqueue RQ jobs (a tax
computation, reading a document), and the sweep that enqueues again what RQ lost."""
