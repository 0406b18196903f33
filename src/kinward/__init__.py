"""Kinward: traceable newborns, red flags found early, children found, protected and home."""

__version__ = "0.1.0"
