"""How the app and the CLI name the layers of the logit lens and the residual stream."""

from __future__ import annotations


def layer_name(layer: int) -> str:
    """ "emb" for the stream after the embeddings (lens layer 0), "L3" after the third block: the
    attention pane's "layer 3/12" (layers are counted from 1 on screen, from 0 in `--layer`)."""
    return "emb" if layer == 0 else f"L{layer}"
