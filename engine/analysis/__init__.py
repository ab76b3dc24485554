"""Numbers the panes show, computed from a pipeline result: numpy only, no torch, no Textual.

Each module does one job; import them directly (this package imports nothing, so loading one
module costs only numpy).
"""
