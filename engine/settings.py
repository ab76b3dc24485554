"""`Settings`: everything besides the text that decides what the pipeline computes.

Kept apart from `engine.pipeline.run` (which imports torch) so the app can hold and change
settings before torch has loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.errors import SettingsError
from engine.note import note

POSITION_KINDS = ("learned", "sinusoidal")
EXAMPLES = ("journey", "hello-world", "neko", "watashi")
"""The built-in worked examples' names (`engine.examples` builds them; named here without numpy)."""
PROJECTIONS = ("none", "rand", "linear")
"""The book's attention versions on a worked example (`engine.nn.book_attention`)."""
MULTIHEAD = ("stack", "merged")
"""Its two multi-head classes: heads stacked side by side, or one projection split into heads."""
MAX_SEED = 2**63 - 1  # torch seeds are 64-bit; the weights draw from seed, seed + 1 and seed + 2


@dataclass(frozen=True)
class Settings:
    """Everything besides the text that decides what the pipeline computes.

    Attributes:
        encoding: tokenizer or model name (see engine.tokenize.registry.resolve_encoding).
        corpus: text whose vocabulary the regex tokenizers use; None means the sample text.
        allow_special: encode special tokens typed in the text instead of refusing them.
        dim: embedding size. Small by default so vectors fit on a screen.
        heads: attention heads; dim must be a multiple of it.
        context: most positions embedded and attended; longer texts are tokenized in full
            but only their first `context` tokens go further (as a model's context window).
        seed: seeds every random table, so results are reproducible.
        device: "auto", "cpu", "cuda" or "mps".
        positions: which position vectors are added to the token vectors: "learned" (GPT-2)
            or "sinusoidal" (the original Transformer).
        causal: hide keys after each query.
        scaled: divide scores by √(head size).
        weights: a model to run instead of random weights: a Hugging Face repo id found in the local
            cache (`meta-llama/Llama-3.2-1B-Instruct`, `gpt2`), a model folder or `.safetensors`
            file, or "tiny" (the checkpoint `llm-tui train` wrote). With a model, dim/heads come
            from it.
        layer: which layer's attention to capture and show (models only).
        chat: wrap the text in the model's own chat template first, as an instruct model receives
            it (open models with a template only).
        example: a worked example (`engine.examples`: a built-in name or a TOML file) whose
            hand-made vectors replace the tables and the model; the text is split at spaces into
            its words. None: the text goes through the encoding (and the model, if any).
        projection, multihead, d_out, dropout: the example's attention, as the book builds it
            (`engine.nn.book_attention`); `multihead` None is one head, else `heads` heads.
    """

    encoding: str = "gpt2"
    corpus: str | None = field(default=None, repr=False)
    allow_special: bool = False
    dim: int = 16
    heads: int = 2
    context: int = 1024
    seed: int = 123
    device: str = "auto"
    positions: str = "learned"
    causal: bool = True
    scaled: bool = True
    weights: str | None = None
    layer: int = 0
    chat: bool = False
    example: str | None = None
    projection: str = "none"
    multihead: str | None = None
    d_out: int | None = None
    dropout: float = 0.0

    def validate(self) -> None:
        if self.dim < 1 or self.heads < 1 or self.context < 1:
            raise SettingsError(note("--dim, --heads and --context must be at least 1"))
        if self.dim % self.heads and self.example is None:  # an example's width is its own
            raise SettingsError(
                note("--dim ({dim}) must be a multiple of --heads ({heads})", dim=self.dim, heads=self.heads)
            )
        if not 0 <= self.seed <= MAX_SEED:
            raise SettingsError(
                note(
                    "--seed must be between 0 and {most} (2**63 - 1), not {seed}",
                    most=f"{MAX_SEED:,}",
                    seed=f"{self.seed:,}",
                )
            )
        if self.positions not in POSITION_KINDS:
            raise SettingsError(note("positions must be one of {choices}", choices=", ".join(POSITION_KINDS)))
        if self.projection not in PROJECTIONS:
            raise SettingsError(note("--projection must be one of {choices}", choices=", ".join(PROJECTIONS)))
        if self.multihead is not None and self.multihead not in MULTIHEAD:
            raise SettingsError(note("--multihead must be one of {choices}", choices=", ".join(MULTIHEAD)))
        if self.d_out is not None and self.d_out < 1:
            raise SettingsError(note("--d-out must be at least 1"))
        if not 0.0 <= self.dropout < 1.0:
            raise SettingsError(
                note(
                    "--dropout {rate}: choose a probability from 0 up to (not including) 1",
                    rate=self.dropout,
                )
            )

    @property
    def example_heads(self) -> int:
        """How many heads a worked example's attention has: one unless `multihead` names a class."""
        return self.heads if self.multihead else 1
