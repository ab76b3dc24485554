"""From a joined run to the result's inside views: the shown layer's queries, keys and values,
and the residual stream with the final norm that reads it out."""

from __future__ import annotations

import numpy as np
from torch import nn

from engine.pipeline.prefix import Joined
from engine.pipeline.results import FinalNorm, HeadVectors, ResidualStream


def head_vectors(joined: Joined) -> HeadVectors:
    queries = joined.queries.detach().float().cpu().numpy()
    queries.flags.writeable = False
    return HeadVectors(queries=queries, keys=joined.keys, values=joined.values)


def final_norm(module: nn.Module) -> FinalNorm:
    """A model's final LayerNorm or RMSNorm as a `FinalNorm`."""

    def array(parameter) -> np.ndarray:
        return parameter.detach().float().cpu().numpy().copy()

    if isinstance(module, nn.LayerNorm):
        bias = array(module.bias) if module.bias is not None else None
        return FinalNorm("layer", array(module.weight), bias, float(module.eps))
    return FinalNorm("rms", array(module.weight), None, float(module.eps))


def residual_stream(joined: Joined, norm: nn.Module) -> ResidualStream | None:
    if joined.residuals is None or joined.added is None:
        return None
    return ResidualStream(joined.residuals, joined.added, final_norm(norm))
