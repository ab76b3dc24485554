"""From logits to the next token: temperature, top-k, top-p, then a seeded draw.

Each step is kept so it can be shown: `next_token_distribution` returns the raw logits, the logits
after temperature, after the top-k / top-p cuts, and the final probabilities. Randomness comes
only from a generator passed in, so a seed reproduces a generation exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from engine.errors import SettingsError, WeightsError
from engine.nn.kv_cache import KeyValueCache
from engine.nn.model import GPT
from engine.note import note

GREEDY_TEMPERATURE = 1e-6  # at or below this temperature, sampling is greedy (argmax)


@dataclass(frozen=True)
class Distribution:
    """The next-token distribution for one position, step by step (numpy float64, shape (V,)).

    Attributes:
        logits: the model's raw scores.
        scaled: logits / temperature. When greedy (temperature <= 1e-6), the logits unchanged.
        masked: `scaled` with -inf wherever top-k, top-p (or `suppressed`) cut the token; when greedy,
            -inf everywhere but the argmax.
        probs: softmax of `masked`: sums to 1, exactly 0 where cut.
        temperature, top_k, top_p: the settings it was made with.
    """

    logits: np.ndarray
    scaled: np.ndarray
    masked: np.ndarray
    probs: np.ndarray
    temperature: float
    top_k: int | None
    top_p: float | None

    @property
    def greedy(self) -> bool:
        return self.temperature <= GREEDY_TEMPERATURE

    def top(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k most probable ids and their probabilities, most probable first (ties: lower id first)."""
        probs = self.probs
        if k < len(probs):
            # Only the ids at least as probable as the k-th are sorted (a full sort of a 50k-row
            # vocabulary took 6 ms of a keystroke); taken in id order, so ties stay lower id first.
            kth = np.partition(probs, len(probs) - k)[len(probs) - k]
            candidates = np.flatnonzero(probs >= kth)
        else:
            candidates = np.arange(len(probs))
        order = candidates[np.argsort(-probs[candidates], kind="stable")][:k]
        return order, probs[order]


def _softmax(scores: np.ndarray) -> np.ndarray:
    exps = np.exp(scores - scores.max())  # exp(-inf) = 0: cut tokens get exactly 0
    return exps / exps.sum()


def _check_settings(temperature: float, top_k: int | None, top_p: float | None) -> None:
    if not temperature >= 0 or temperature == float("inf"):  # `not >=` also catches nan
        raise SettingsError(
            note("--temperature must be a finite number, 0 or more, not {value}", value=temperature)
        )
    if top_k is not None and top_k < 0:
        raise SettingsError(note("--top-k must be 0 (off) or more, not {value}", value=top_k))
    if top_p is not None and not 0 < top_p <= 1:
        raise SettingsError(note("--top-p must be in (0, 1], not {value}", value=top_p))


def next_token_distribution(
    logits_row: torch.Tensor | np.ndarray,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    suppressed: Sequence[int] = (),
) -> Distribution:
    """Turn one row of logits (V,) into the distribution the next token is drawn from.

    Args:
        logits_row: (V,) scores for every id, a torch tensor (any device) or a numpy array.
        temperature: divides the logits; below 1 sharpens, above 1 flattens; <= 1e-6 means greedy.
        top_k: keep only the k highest-scoring ids (exactly k; ties go to the lower id). None or 0: off.
        top_p: then keep the fewest most probable ids whose probabilities add up to at least top_p
            ("nucleus" sampling). None or 1: off.
        suppressed: ids never to choose (e.g. a compact vocabulary's <|unk|> slot).
    """
    _check_settings(temperature, top_k, top_p)
    if isinstance(logits_row, torch.Tensor):
        logits_row = logits_row.detach().to("cpu", torch.float64).numpy()
    logits = np.array(logits_row, dtype=np.float64)
    if logits.ndim != 1:
        raise ValueError(f"expected one row of logits (V,), got shape {logits.shape}")
    if np.isnan(logits).any() or np.isposinf(logits).any():
        raise WeightsError(
            note(
                "the model scored the next token NaN or infinite: its weights are damaged or overflow "
                "in this precision"
            )
        )
    allowed = np.ones(logits.shape, dtype=bool)
    allowed[list(suppressed)] = False
    if not allowed.any():
        raise ValueError("every id is suppressed")

    if temperature <= GREEDY_TEMPERATURE:
        scaled = logits.copy()
        masked = np.full_like(logits, -np.inf)
        best = int(np.argmax(np.where(allowed, logits, -np.inf)))
        masked[best] = logits[best]
        return Distribution(logits, scaled, masked, _softmax(masked), temperature, top_k, top_p)

    scaled = logits / temperature
    masked = np.where(allowed, scaled, -np.inf)
    if top_k and top_k < len(masked):
        ranked = np.argsort(-masked, kind="stable")  # best first; equal scores keep id order
        masked[ranked[top_k:]] = -np.inf
    probs = _softmax(masked)
    if top_p is not None and top_p < 1:
        ranked = np.argsort(-probs, kind="stable")
        mass_before = np.cumsum(probs[ranked]) - probs[ranked]  # probability of the better-ranked ids
        # An id is cut once the ids ranked above it already hold top_p. The best id never is, even for
        # a top_p below the 1e-12 rounding allowance (cutting it too left nothing: NaN, id -1).
        cut = mass_before >= top_p - 1e-12
        cut[0] = False
        masked[ranked[cut]] = -np.inf
        probs = _softmax(masked)
    return Distribution(logits, scaled, masked, probs, temperature, top_k, top_p)


def sample(distribution: Distribution, generator: np.random.Generator | torch.Generator) -> int:
    """Draw one id from `distribution.probs` with a uniform number from `generator` (inverse CDF).

    Only `generator` advances; no global random state is used. Cut ids (probability 0) are never drawn.
    """
    if isinstance(generator, torch.Generator):
        uniform = torch.rand((), generator=generator, dtype=torch.float64, device=generator.device).item()
    else:
        uniform = float(generator.random())
    cumulative = np.cumsum(distribution.probs)
    index = int(np.searchsorted(cumulative, uniform * cumulative[-1], side="right"))
    # Rounding can push the draw past the end: fall back to the last id that has probability.
    return min(index, int(np.flatnonzero(distribution.probs)[-1]))


def generate(
    model: GPT,
    ids: Sequence[int] | np.ndarray | torch.Tensor,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int = 0,
    suppressed: Sequence[int] = (),
) -> Iterator[int]:
    """Yield `max_new_tokens` new ids one at a time, each as soon as it is chosen.

    Each step runs the model once, reading only the new id while the text fits its context (the
    others' keys and values are cached) and the last `context` ids afresh after that, takes the
    logits at the last position, and samples with `next_token_distribution` and `sample`, drawing
    from a numpy generator seeded with `seed`. Puts the model in eval mode. Settings are checked
    here, before the first token is asked for.

    Args:
        model: the GPT; `ids` are in its vocabulary (map tokenizer ids with `LoadedModel.to_model_ids`).
        ids: the prompt, at least one id.
    """
    _check_settings(temperature, top_k, top_p)
    prompt = [int(i) for i in (ids.tolist() if isinstance(ids, torch.Tensor | np.ndarray) else ids)]
    if not prompt:
        raise SettingsError(note("generation needs a prompt of at least one token"))
    if max_new_tokens < 0:
        raise SettingsError(note("--max-new-tokens must be 0 or more, not {value}", value=max_new_tokens))
    return _generate(model, prompt, max_new_tokens, temperature, top_k, top_p, seed, tuple(suppressed))


@torch.no_grad()
def _generate(
    model: GPT,
    tokens: list[int],
    max_new_tokens: int,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    seed: int,
    suppressed: tuple[int, ...],
) -> Iterator[int]:
    model.eval()
    device = next(model.parameters()).device  # GPT and the open families alike
    context = model.config.context
    generator = np.random.default_rng(seed)
    cache = KeyValueCache(model.config.layers)
    for _ in range(max_new_tokens):
        if len(tokens) <= context:
            # One cached pass: only the ids the cache does not hold yet (the prompt, then one id).
            new = torch.tensor([tokens[cache.length :]], device=device)
            logits = model(new, cache=cache, logits="last").logits[0, -1]  # (1, 1, V) -> (V,)
        else:
            # Past the context the window slides: the first id falls out, every position moves
            # and changes what it attends to, so nothing cached holds; the window runs afresh.
            window = torch.tensor([tokens[-context:]], device=device)  # (1, context)
            logits = model(window, logits="last").logits[0, -1]
        token = sample(next_token_distribution(logits, temperature, top_k, top_p, suppressed), generator)
        tokens.append(token)
        yield token
