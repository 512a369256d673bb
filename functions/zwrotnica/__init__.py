"""Zwrotnica: the shared domain package behind every function."""
