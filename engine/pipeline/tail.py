"""The prediction after the end of a text, read as generation reads it: from its last `context` tokens.

The panes show a long text's first tokens (every map on screen is T × T from the start). What comes
after the text, for `a` and `A` in the app, is read from the last `context` tokens the model can
take, as `llm-tui generate` reads a prompt, plus any drawn tokens the text does not show yet (the
bytes of a character split over tokens wait until it is whole). One full pass: the window moves
with every token, so nothing a previous pass cached holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch

from engine.nn.device import DeviceInfo
from engine.pipeline.caches import OpenModel, open_model
from engine.pipeline.results import NextToken
from engine.pipeline.run import tokenize
from engine.pipeline.run_open import tokenize_open
from engine.settings import Settings


@dataclass(frozen=True)
class Tail:
    """What the model predicts after a text's last token.

    Attributes:
        first, last: the tokens it read (the text's, then the pending ones): first..last inclusive.
        next_token: row 0 of its `hidden` is the prediction after token `last`.
    """

    first: int
    last: int
    next_token: NextToken


@torch.no_grad()
def predict_after(text: str, settings: Settings, device: DeviceInfo, pending: Sequence[int] = ()) -> Tail:
    """The model's (`settings.weights`) prediction after `text` and the `pending` tokenizer ids."""
    model = open_model(settings.weights, device.name)
    loaded = model.loaded
    if isinstance(model, OpenModel):
        tokens = tokenize_open(text, settings, model)
        head, table_ids, suppressed, mapper = loaded.output_table, None, (), model
    else:
        tokens = tokenize(text, replace(settings, encoding=loaded.encoding))
        head, table_ids, suppressed, mapper = (
            model.token_table,
            model.table_ids,
            loaded.suppressed_ids,
            loaded,
        )
    ids = np.concatenate((tokens.ids, np.asarray(pending, dtype=tokens.ids.dtype)))
    if not len(ids):
        raise ValueError("there is no token to predict after")
    first = max(0, len(ids) - loaded.config.context)
    window = torch.from_numpy(mapper.to_model_ids(ids[first:]))  # (T,) with T <= context
    output = loaded.model(window.to(device.name)[None], logits="none")
    hidden = output.hidden[0, -1:].detach().to("cpu", torch.float32).numpy()  # (1, C)
    prediction = NextToken(hidden=hidden, head=head, table_ids=table_ids, suppressed=suppressed)
    return Tail(first=first, last=len(ids) - 1, next_token=prediction)
