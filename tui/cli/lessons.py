"""`llm-tui lessons`: the lessons with their ids, titles and step counts, per language."""

from __future__ import annotations

import argparse

from tui.cli.output import print_json


def run(args: argparse.Namespace) -> None:
    from tui.lessons.catalog import LANGUAGES, load_lessons

    languages = [args.lang] if args.lang else list(LANGUAGES)
    listing = {
        language: [
            {"id": lesson.id, "title": lesson.title, "steps": len(lesson.steps)}
            for lesson in load_lessons(language)
        ]
        for language in languages
    }
    if args.json:
        print_json(listing)
        return
    for language, lessons in listing.items():
        print(f"[{language}]")
        for number, lesson in enumerate(lessons, start=1):
            print(f"{number:>3}. {lesson['id']:<22} {lesson['steps']:>2} steps  {lesson['title']}")
    print("open one with: llm-tui --lesson ID [--lang en|ja]")
