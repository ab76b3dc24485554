"""`DialogActions`: the keys that open a dialog or write a file (F1, F3, F5, F6, F7, ctrl+o, ctrl+s),
mixed into `tui.app.LlmTuiApp`; the dialogs themselves are in `tui.dialogs` and `tui.screens`."""

from __future__ import annotations

from tui import dialogs


class DialogActions:
    """Actions that hand the app (an `AppApi`) to a dialog."""

    def action_pick_model(self) -> None:
        """Choose random weights, a trained tiny model or GPT-2 weights."""
        dialogs.pick_model(self)

    def action_train(self) -> None:
        """Train a tiny GPT on the corpus (or the sample text), then use it."""
        dialogs.train(self)

    def action_pick_corpus(self) -> None:
        """Choose the text whose words the regex tokenizers know."""
        dialogs.pick_corpus(self)

    def action_open_text(self) -> None:
        """Open a text file in the text box."""
        dialogs.open_text(self)

    def action_help(self) -> None:
        """List every key."""
        dialogs.show_help(self)

    def action_save_screenshot(self) -> None:
        from tui.export import save_screenshot  # a new SVG file here, never over one; a failure notifies

        save_screenshot(self)

    def action_export_data(self) -> None:
        """Save the token table and the shown attention matrix as CSV and JSON."""
        dialogs.export_data(self)
