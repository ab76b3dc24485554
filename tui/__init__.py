"""The Textual app and the command line. Nothing here imports torch at module level, so the
first frame paints before the engine's heavy imports run (in a worker)."""
