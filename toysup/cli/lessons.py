"""``toysup lessons list`` and ``toysup lessons build [--out DIR]``."""

from __future__ import annotations

import argparse

DEFAULT_OUT = "toysup-out/lessons"


def cmd_list(args: argparse.Namespace) -> int:
    from ..lessons.course import lesson_paths, lesson_title

    for path in lesson_paths():
        print(f"{path.stem[:2]}  {lesson_title(path)}  ({path})")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from ..lessons.course import build

    written = build(args.out)
    print(f"wrote {len(written)} notebooks to {args.out}")
    return 0


def add_parser(commands) -> None:
    """Add ``lessons`` with its ``list`` and ``build`` subcommands to the CLI's subcommands."""
    lessons = commands.add_parser("lessons", help="the course: list the lessons or build them as notebooks")
    actions = lessons.add_subparsers(
        dest="lessons_command", metavar="{list,build}", required=True, parser_class=type(lessons)
    )
    listing = actions.add_parser("list", help="the lessons in course order")
    listing.set_defaults(handler=cmd_list)
    build = actions.add_parser("build", help="write every lesson as a Jupyter notebook (.ipynb)")
    build.add_argument("--out", default=DEFAULT_OUT, help=f"folder for the notebooks (default {DEFAULT_OUT})")
    build.set_defaults(handler=cmd_build)
