"""`llm-tui train`: train a tiny GPT on a corpus with a progress line, and save the checkpoint."""

from __future__ import annotations

import argparse
import sys
import time

from engine.errors import UserError
from tui.cli.output import print_json


def run(args: argparse.Namespace) -> None:
    from engine.inputs import read_corpus_file
    from engine.locations import default_tiny_checkpoint
    from engine.nn.checkpoints import check_checkpoint_path
    from engine.nn.cpu_share import usable_cores
    from engine.nn.device import pick_device
    from engine.tokenize.registry import get_tokenizer, sample_text
    from engine.training.train import TINY_CONFIG, memorising_since, train

    if args.steps < 1:
        raise UserError("--steps must be at least 1")
    if args.batch_size < 1:
        raise UserError(f"--batch-size must be at least 1, not {args.batch_size}")
    corpus = read_corpus_file(args.corpus, args.latin1) if args.corpus else sample_text()
    ids = get_tokenizer("gpt2").encode(corpus)
    device = pick_device(args.device)
    # Checked now: a path that cannot be written must not cost a whole training run.
    out = check_checkpoint_path(args.out if args.out else default_tiny_checkpoint())
    started = time.perf_counter()
    interactive = sys.stderr.isatty()
    print(
        f"training a tiny GPT ({TINY_CONFIG.layers} layers, {TINY_CONFIG.dim} wide) on {len(ids):,} tokens "
        f"of {args.corpus or 'the built-in sample text'}, {args.steps} steps on {device.description}",
        file=sys.stderr,
    )

    def progress(step: int, train_loss: float, val_loss: float | None) -> bool:
        filled = round(24 * step / args.steps)
        line = (
            f"step {step:>5}/{args.steps} [{'█' * filled}{'·' * (24 - filled)}] train loss {train_loss:.3f}"
            + (f" · val {val_loss:.3f}" if val_loss is not None else "")
            + f" · {time.perf_counter() - started:.1f}s"
        )
        if interactive:
            print("\r" + line, end="", file=sys.stderr, flush=True)
        elif step == args.steps or step % max(1, args.steps // 10) == 0:
            print(line, file=sys.stderr)
        return True

    def threads_chosen(threads: int, busy: float | None) -> None:
        busy_note = "" if busy is None else f" ({busy:.1f} of {usable_cores()} cores busy with other work)"
        line = f"using {threads} CPU thread{'s' if threads != 1 else ''}{busy_note}"
        print(("\r" if interactive else "") + line, file=sys.stderr)

    result = train(
        ids,
        steps=args.steps,
        batch_size=args.batch_size,
        seed=args.seed,
        device=device.name,
        on_step=progress,
        on_threads=threads_chosen,
    )
    if interactive:
        print(file=sys.stderr)
    since = memorising_since(result.val_losses)
    if since is not None and result.final_val_loss is not None:
        print(
            f"validation loss {result.final_val_loss:.2f}, up from {since[1]:.2f} at step {since[0]}: "
            "the model learnt its training text by heart, which does not help on the held-out last 10%; "
            "a longer --corpus keeps it learning longer",
            file=sys.stderr,
        )
    print(f"saving to {out}…", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    result.save(out, metadata={"corpus": str(args.corpus or "sample")})
    summary = {
        "path": str(out),
        "steps": result.steps,
        "initial_train_loss": result.initial_train_loss,
        "final_train_loss": result.final_train_loss,
        "final_val_loss": result.final_val_loss,
        "seconds": round(result.seconds, 2),
        "threads": result.threads,
        "busy_cores": None if result.busy_cores is None else round(result.busy_cores, 2),
        "memorising_since_step": since[0] if since is not None else None,
    }
    if args.json:
        print_json(summary)
    else:
        print(
            f"saved {out} · train loss {result.initial_train_loss:.3f} → {result.final_train_loss:.3f} "
            f"in {result.seconds:.1f}s; use it with: llm-tui --weights tiny"
        )
