"""Tracker: projects and their tasks."""
