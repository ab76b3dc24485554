"""The run on a worked example: its hand-made vectors instead of a table, the book's attention.

`engine.examples` holds the vectors; the text is split into the example's words
(`engine.tokenize.example_words`), so the learner can retype or reorder the sentence; the
attention is the book's chapter-3 version the settings choose (`engine.nn.book_attention`). The
result has the shape of any other, so every pane draws it: the Embeddings tab shows the hand-made
vectors (and, for an example with a vocabulary, the one-hot product), the Attention tab the
weights, the bars and the cell arithmetic. There are no position vectors (the book adds them in
chapter 2; its attention examples start from the inputs) and no next-token head.

It always runs on the CPU: the book's figures come from torch's CPU random numbers.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.errors import SettingsError
from engine.examples import example
from engine.nn.attention import mask_array
from engine.nn.book_attention import book_attention
from engine.note import note
from engine.pipeline.results import Attention, Embedded, HeadVectors, PipelineResult
from engine.pipeline.row_chunks import RowChunks
from engine.settings import Settings
from engine.tokenize.example_words import ExampleTokenizer


def run_example(text: str, settings: Settings) -> PipelineResult:
    """`text` read as words of `settings.example`, through the attention the settings describe.

    Raises:
        UserError: an unknown example or a bad example file; SettingsError: switches that do not
            go together (several heads without nn.Linear layers, a width that does not split).
    """
    assert settings.example is not None
    chosen = example(settings.example)
    tokenizer = ExampleTokenizer(chosen)
    tokens = tokenizer.tokenize(text)
    n_used = min(len(tokens), settings.context)
    ids = tokens.ids[:n_used]
    table = chosen.word_table  # a property that builds it: once per run
    vectors = table[ids]
    heads = settings.example_heads
    try:
        attention = book_attention(
            vectors.reshape(n_used, chosen.dim),
            settings.projection,
            # q = k = v = x has the inputs' width: a d_out kept from a projection means nothing here.
            d_out=settings.d_out if settings.projection != "none" else None,
            seed=settings.seed,
            heads=heads,
            multihead=settings.multihead or "stack",
            causal=settings.causal,
            scaled=settings.scaled,
            dropout=settings.dropout,
        )
    except ValueError as error:
        raise SettingsError(note("example {name}: {error}", name=chosen.name, error=error)) from None
    head_dim = int(attention.queries.shape[-1])
    zeros = np.zeros_like(vectors)
    return PipelineResult(
        # What the panes read the sizes from: the example's width, its heads.
        settings=replace(settings, dim=head_dim * heads, heads=heads, device="cpu"),
        tokens=tokens,
        n_used=n_used,
        embedded=Embedded(
            token_vectors=vectors,
            learned_positions=zeros,
            sinusoidal_positions=zeros,
            input_vectors=vectors,
            positions="none",
            token_table=table,
        ),
        attention=Attention(
            scores=attention.scores,
            mask=mask_array(n_used, settings.causal),
            weights=attention.weights,
            context=attention.context,
            output=attention.output,
            causal=settings.causal,
            scaled=settings.scaled,
            vectors=HeadVectors(
                queries=attention.queries,
                keys=RowChunks.of(attention.keys, 1),
                values=RowChunks.of(attention.values, 1),
            ),
            dropout_scale=attention.dropout_scale,
        ),
        device="cpu (worked example)",
        notes=tokens.notes,
        tokenizer=tokenizer,
        example=chosen,
    )
