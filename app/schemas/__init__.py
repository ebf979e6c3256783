"""Pydantic schemas of the API."""
