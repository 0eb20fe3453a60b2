"""Filings: one row per filing, the owner's list and the counts by year and status."""
