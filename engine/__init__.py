"""The computation behind llm-tui: tokenize, window, embed, attend.

Nothing in this package imports Textual, and modules that need torch import it
themselves, so `engine.tokenize.registry` stays light enough for the CLI's `tokenize`.
"""
