"""Train a tiny GPT on a corpus: next-token prediction with AdamW, watching a held-out split.

As in the book's chapter 5, the token ids are split once: the first 90% train, the last 10% only
measure (the validation loss shows when the model starts to memorise rather than generalise).
Input/target pairs are cut by `engine.training.windows`; targets are inputs shifted by one token.

By default the model gets a compact vocabulary (`engine.nn.loaded_model.IdMap`): one row per distinct id
in the corpus plus <|unk|>, instead of GPT-2's 50,257 rows. On the 158-token sample text that is
88 rows instead of 50,257: the model shrinks from 7.2M to 0.8M parameters, and since the output
head scores 88 ids instead of 50,257 per position, a step is about 10× faster (200 steps take
about half a minute on two CPU cores). `IdMap` maps tokenizer ids in and sampled ids back out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from engine.errors import CorpusError, SettingsError
from engine.nn.checkpoints import save_checkpoint
from engine.nn.cpu_share import CoreWatch, cpu_threads
from engine.nn.loaded_model import IdMap
from engine.nn.model import GPT, GPTConfig
from engine.note import note
from engine.training.windows import make_loader, sliding_windows

TINY_CONFIG = GPTConfig(
    vocab_size=50257,  # replaced by the compact vocabulary's size unless compact_vocab=False
    context=64,  # short windows: the sample text is only 158 tokens long
    dim=128,  # narrow vectors: the model stays under a million parameters
    layers=4,  # enough depth to memorise the sample text in a couple of hundred steps
    heads=4,  # head size 32
    dropout=0.0,  # a tiny corpus is memorised anyway; the validation loss shows it happening
)
MAX_WINDOWS = 20_000  # training windows kept in memory; the stride grows to stay under it
EVAL_WINDOWS = 64  # windows each loss estimate averages over (evenly spaced through the split)

THREADS_CHECK_SECONDS = 2.0  # how often training on the CPU looks again at how busy the machine is

# on_step(step, train_loss, val_loss or None) -> False to stop training
StepCallback = Callable[[int, float, float | None], bool]
# on_threads(threads, cores busy with other work or None): the CPU thread count chosen or changed
ThreadsCallback = Callable[[int, float | None], None]


@dataclass(frozen=True)
class TrainResult:
    """A trained model and how training went.

    Attributes:
        model: the trained GPT, in eval mode.
        config: its sizes (vocab_size is the compact vocabulary's when `id_map` is set).
        id_map: the compact vocabulary (tokenizer ids <-> model ids), or None.
        encoding: the tokenizer the ids came from, recorded in saved checkpoints.
        steps: optimizer steps done (fewer than asked for when cancelled).
        cancelled: True when `on_step` returned False.
        train_losses: the loss of each step's batch, in order (noisy).
        val_losses: (step, validation loss) at step 0, every `eval_every` steps and the last step.
        initial_train_loss, final_train_loss: mean loss on up to 64 training windows before and after.
        initial_val_loss, final_val_loss: the same on the validation split; None when it is empty.
        seconds: wall time of the training loop (evaluation included).
        window: the length of the input windows.
        threads: torch's CPU threads at the end (on a GPU: torch's count, unused by the model).
        busy_cores: cores busy with other processes when training began; None on a GPU or
            where the machine cannot tell.
    """

    model: GPT
    config: GPTConfig
    id_map: IdMap | None
    encoding: str
    steps: int
    cancelled: bool
    train_losses: tuple[float, ...]
    val_losses: tuple[tuple[int, float], ...]
    initial_train_loss: float
    final_train_loss: float
    initial_val_loss: float | None
    final_val_loss: float | None
    seconds: float
    window: int
    threads: int = 1
    busy_cores: float | None = None

    def save(self, path: str | Path, metadata: Mapping[str, str] | None = None) -> Path:
        """Write a tiny checkpoint (`engine.nn.checkpoints.save_checkpoint`) that records the losses too."""
        entries = {"train_loss": f"{self.final_train_loss:.4f}"}
        if self.final_val_loss is not None:
            entries["val_loss"] = f"{self.final_val_loss:.4f}"
        entries.update(metadata or {})
        return save_checkpoint(
            self.model,
            self.config,
            path,
            entries,
            steps=self.steps,
            encoding=self.encoding,
            id_map=self.id_map,
        )


MEMORISING_RISE = 1.1
"""A validation loss this many times its lowest so far means the model has begun to memorise."""


def memorising_since(val_losses: Sequence[tuple[int, float]]) -> tuple[int, float] | None:
    """(step, loss) of the lowest validation loss, when the latest is `MEMORISING_RISE` times it or
    more: the model has gone on lowering its training loss by learning its training text by heart,
    which does not help on the held-out text. None while the validation loss still falls."""
    if len(val_losses) < 2:
        return None
    step, lowest = min(val_losses, key=lambda point: point[1])
    latest = val_losses[-1][1]
    return (step, lowest) if latest >= lowest * MEMORISING_RISE and step != val_losses[-1][0] else None


def split_ids(ids: np.ndarray, val_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """The first (1 - val_fraction) of the ids for training, the rest for validation."""
    if not 0 <= val_fraction < 1:
        raise SettingsError(
            note("the validation fraction must be in [0, 1), not {value}", value=val_fraction)
        )
    n_val = int(round(len(ids) * val_fraction))
    return ids[: len(ids) - n_val], ids[len(ids) - n_val :]


def _loss(model: GPT, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    logits = model(inputs).logits  # (B, T, V)
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten())  # (B*T, V) against (B*T,)


@torch.no_grad()
def evaluate(
    model: GPT, ids: np.ndarray, window: int, device: torch.device, batch_size: int = 16
) -> float | None:
    """Mean next-token loss over up to `EVAL_WINDOWS` evenly spaced windows of `ids` (None if too short)."""
    length = min(window, len(ids) - 1)
    if length < 1:
        return None
    pairs = sliding_windows(ids, length, stride=1)
    chosen = np.unique(np.linspace(0, len(pairs.inputs) - 1, EVAL_WINDOWS).round().astype(np.int64))
    was_training = model.training
    model.eval()
    total = 0.0
    for start in range(0, len(chosen), batch_size):
        rows = chosen[start : start + batch_size]
        inputs = torch.from_numpy(pairs.inputs[rows]).to(device)
        targets = torch.from_numpy(pairs.targets[rows]).to(device)
        total += _loss(model, inputs, targets).item() * len(rows)
    model.train(was_training)
    return total / len(chosen)


def train(
    ids: Sequence[int] | np.ndarray,
    config: GPTConfig = TINY_CONFIG,
    steps: int = 200,
    batch_size: int = 8,
    lr: float = 1e-3,
    seed: int = 123,
    device: torch.device | str = "cpu",
    val_fraction: float = 0.1,
    on_step: StepCallback | None = None,
    eval_every: int = 10,
    compact_vocab: bool = True,
    encoding: str = "gpt2",
    on_threads: ThreadsCallback | None = None,
) -> TrainResult:
    """Train a GPT from scratch on `ids` (one tokenized corpus).

    Args:
        ids: the corpus's token ids (tokenizer ids, e.g. from `get_tokenizer("gpt2").encode`).
        config: the model's sizes; with `compact_vocab` its vocab_size is replaced.
        steps: optimizer steps; each takes one batch of random windows of `config.context` ids
            (shorter when the training split is shorter).
        batch_size: windows per step.
        lr: AdamW learning rate (weight decay 0.1, gradients clipped to norm 1).
        seed: seeds the initial weights, the batch order and dropout; the global RNG is untouched.
        device: where to train.
        val_fraction: share of the ids, taken from the end, held out for the validation loss.
        on_step: called as on_step(step, train_loss, val_loss) with step 0 before training, then after
            every step; val_loss is None except at step 0, every `eval_every` steps and the last
            step. Return False to stop early (the result then has `cancelled=True`).
        compact_vocab: give the model a row per distinct id (+ <|unk|>) instead of one per tokenizer id.
        encoding: the tokenizer's name, recorded in the result and its checkpoint.
        on_threads: called with (threads, cores busy with other work) when training on the CPU
            chooses its thread count (one per free core, `engine.nn.cpu_share`), and again
            whenever it changes it.

    Raises:
        CorpusError: when the corpus is too short to make one training pair.
        SettingsError: for steps, batch size, learning rate or split out of range.
    """
    if steps < 0:
        raise SettingsError(note("--steps must be 0 or more, not {value}", value=steps))
    if batch_size < 1:
        raise SettingsError(note("--batch-size must be at least 1, not {value}", value=batch_size))
    if eval_every < 1 or not lr > 0:
        raise SettingsError(note("the evaluation interval and the learning rate must be positive"))
    ids = np.asarray(ids, dtype=np.int64)
    id_map = IdMap.from_ids(ids) if compact_vocab else None
    if id_map is not None:
        config = replace(config, vocab_size=id_map.size)
        ids = id_map.to_model(ids)
    elif len(ids) and ids.max() >= config.vocab_size:
        raise SettingsError(
            note("token id {id} does not fit a vocabulary of {size}", id=ids.max(), size=config.vocab_size)
        )
    train_ids, val_ids = split_ids(ids, val_fraction)
    if len(train_ids) < 2:
        raise CorpusError(
            note(
                "the corpus has {count} tokens: too few to train on (at least 2 for training)", count=len(ids)
            )
        )
    device = torch.device(device)
    window = min(config.context, len(train_ids) - 1)
    stride = max(1, math.ceil((len(train_ids) - window) / MAX_WINDOWS))
    n_windows = len(range(0, len(train_ids) - window, stride))  # as many as engine.training.windows cuts
    loader = make_loader(
        train_ids, window, stride, min(batch_size, n_windows), shuffle=True, drop_last=True, seed=seed
    )

    started = time.perf_counter()
    forked = [device.index or 0] if device.type == "cuda" else []
    threads = ceiling = torch.get_num_threads()
    watch, busy_cores = (CoreWatch(), None) if device.type == "cpu" else (None, None)
    if watch is not None:
        threads, busy_cores = watch.threads(ceiling)
        if on_threads is not None:
            on_threads(threads, busy_cores)
    checked = time.monotonic()
    with torch.random.fork_rng(devices=forked), cpu_threads(threads):
        torch.manual_seed(seed)  # dropout draws from the global RNG; fork_rng restores it afterwards
        model = GPT(config, seed=seed, device=device)
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.1)
        initial_train = evaluate(model, train_ids, window, device)
        initial_val = evaluate(model, val_ids, window, device)
        val_losses = [(0, initial_val)] if initial_val is not None else []
        train_losses: list[float] = []
        cancelled = on_step is not None and on_step(0, initial_train, initial_val) is False
        model.train()
        while not cancelled and len(train_losses) < steps:
            for inputs, targets in loader:
                loss = _loss(model, inputs.to(device), targets.to(device))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                train_losses.append(loss.item())
                step = len(train_losses)
                val = None
                if step % eval_every == 0 or step == steps:
                    val = evaluate(model, val_ids, window, device)
                    if val is not None:
                        val_losses.append((step, val))
                if on_step is not None and on_step(step, train_losses[-1], val) is False:
                    cancelled = True
                if watch is not None and time.monotonic() - checked >= THREADS_CHECK_SECONDS:
                    checked = time.monotonic()
                    chosen, others = watch.threads(ceiling)
                    if chosen != threads:
                        threads = chosen
                        torch.set_num_threads(threads)  # cpu_threads restores the count afterwards
                        if on_threads is not None:
                            on_threads(threads, others)
                if cancelled or step == steps:
                    break
        model.eval()
        final_train = evaluate(model, train_ids, window, device)
        final_val = evaluate(model, val_ids, window, device)
    return TrainResult(
        model=model,
        config=config,
        id_map=id_map,
        encoding=encoding,
        steps=len(train_losses),
        cancelled=cancelled,
        train_losses=tuple(train_losses),
        val_losses=tuple(val_losses),
        initial_train_loss=initial_train,
        final_train_loss=final_train,
        initial_val_loss=initial_val,
        final_val_loss=final_val,
        seconds=time.perf_counter() - started,
        window=window,
        threads=threads,
        busy_cores=busy_cores,
    )
