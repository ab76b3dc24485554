"""`llm-tui download REPO_ID`: the one command that uses the network, and only when asked."""

from __future__ import annotations

import argparse

from tui.cli.output import print_json


def run(args: argparse.Namespace) -> None:
    from engine.hub import download

    folder = download(args.repo_id)  # huggingface_hub draws its own progress bars on stderr
    if args.json:
        print_json({"repo_id": args.repo_id, "path": str(folder)})
        return
    print(f"{args.repo_id} is in {folder}")
    print(f"open it with: llm-tui --weights {args.repo_id}")
