"""`llm-tui models`: what `--weights` can open on this machine, without opening any of it.

The models in the local Hugging Face cache (family, parameters, dtype, size on disk, complete or
not, read from config files and safetensors headers only), and the tiny model `llm-tui train` wrote.
"""

from __future__ import annotations

import argparse

from tui.cli.output import print_json
from tui.formatting.model_listing import human, listing


def run(args: argparse.Namespace) -> None:
    from engine.hub import hub_cache_dir

    records = listing()
    if args.json:
        print_json({"cache": str(hub_cache_dir()), "models": records})
        return
    if not records:
        print(f"no models in {hub_cache_dir()} (nor a trained tiny model)")
        print("get one with: llm-tui download Qwen/Qwen2.5-0.5B   (or `llm-tui train` for a tiny GPT)")
        return
    print(f"{'--weights':<42} {'family':<8} {'params':>7} {'dtype':<9} {'on disk':>8}  state")
    for record in records:
        params = human(record["parameters"]) if record["parameters"] else "?"
        state = "ok" if record["complete"] and record["supported"] else (record["problem"] or "incomplete")
        if record["complete"] and not record["supported"]:
            state = f"not supported ({record['architecture'] or 'no architecture'})"
        print(
            f"{record['weights']:<42} {record['family'] or '?':<8} {params:>7} {record['dtype'] or '?':<9} "
            f"{human(record['size_on_disk'], 'B'):>8}  {state}"
        )
    print("open one with: llm-tui --weights NAME   (F6 in the app lists the same)")
