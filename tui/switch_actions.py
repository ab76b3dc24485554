"""`SwitchActions`: the keys that change one pipeline setting (m, s, F2, {/}), mixed into
`tui.app.LlmTuiApp`; each goes through `update_settings` and says what it switched to."""

from __future__ import annotations

from engine.tokenize.registry import ENCODINGS


class SwitchActions:
    """Actions of the setting keys; the host has `settings`, `result` and the `AppApi` methods."""

    def action_toggle_causal(self) -> None:
        """Show attention with or without the causal mask."""
        self.update_settings(causal=not self.settings.causal)
        self.notify(
            self.strings.say("causal mask on" if self.settings.causal else "causal mask off"), timeout=2
        )

    def action_toggle_scaled(self) -> None:
        """Divide attention scores by √(head size), or not."""
        self.update_settings(scaled=not self.settings.scaled)
        self.notify(
            self.strings.say("√d scaling on" if self.settings.scaled else "√d scaling off"), timeout=2
        )

    def action_next_encoding(self) -> None:
        """Cycle through the encodings; on a worked example, leave it for the text and encoding
        from before (F2 again goes on to the next encoding)."""
        if self.settings.example is not None:
            self.open_example(None)
            return
        index = ENCODINGS.index(self.settings.encoding) if self.settings.encoding in ENCODINGS else -1
        self.action_set_encoding(ENCODINGS[(index + 1) % len(ENCODINGS)])

    def action_set_encoding(self, name: str) -> None:
        """Tokenize with encoding `name`."""
        self.update_settings(encoding=name)
        self.notify(self.strings.say("encoding: {name}", name=name), timeout=2)

    def action_change_layer(self, delta: int) -> None:
        """Show the attention of the next or previous layer (models have several)."""
        layers = self.result.attention.layers if self.result else 1
        if self.result is not None and self.result.example is not None:
            self.notify(
                self.strings.say("a worked example has one attention layer: the book's; F6 opens a model"),
                timeout=3,
            )
            return
        if layers == 1:
            self.notify(
                self.strings.say("random weights have one attention layer; load a model with F6"), timeout=3
            )
            return
        self.update_settings(layer=(self.settings.layer + delta) % layers)
