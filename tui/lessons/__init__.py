"""Lessons: data files under `tui/lessons/<lang>/`, a catalog that validates them, the side panel
and list that step through them, and progress saved between runs."""
