"""Queries and state changes. Views and commands call these; they never build queries."""
