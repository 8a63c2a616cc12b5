"""Tit-for-tat diplomatic retaliation: two states, their missions in each other's country, and
the measures each takes against the other's mission."""

__version__ = "0.1.0"
