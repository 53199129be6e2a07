"""``toysup lessons``: ``list`` the lessons, ``build`` them as paired notebooks, ``open`` one in JupyterLab, and
``pack`` a zip for a class."""

from __future__ import annotations

import argparse
from pathlib import Path

from .flags import checking_input

DEFAULT_OUT = "toysup-out/lessons"
DEFAULT_SOLUTIONS_OUT = "toysup-out/lessons-solutions"
DEFAULT_PACK = "toysup-out/toysup-lessons.zip"
DEFAULT_PACK_SOLUTIONS = "toysup-out/toysup-lessons-solutions.zip"
WAIT_POLL_S = 0.5  # lessons open: how often the wait for JupyterLab returns to Python, where Ctrl-C is handled


def _out(args: argparse.Namespace) -> str:
    """``--out``, or the default folder of the student's or (``--solutions``) the teacher's notebooks."""
    if args.out is not None:
        return args.out
    return DEFAULT_SOLUTIONS_OUT if getattr(args, "solutions", False) else DEFAULT_OUT


def _report(built, out: str) -> None:
    print(f"wrote {len(built.written)} notebooks (each .ipynb with its paired .py) to {out}")
    if built.kept:
        names = ", ".join(path.name for path in built.kept)
        print(f"kept {len(built.kept)} already there (pass --overwrite to replace them): {names}")


def cmd_list(args: argparse.Namespace) -> int:
    from ..lessons.course import lesson_paths, lesson_title

    for path in lesson_paths():
        print(f"{path.stem[:2]}  {lesson_title(path)}  ({path})")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from ..lessons import course

    out = _out(args)
    course.check_build_out(out)
    _report(course.build(out, solutions=args.solutions, overwrite=args.overwrite), out)
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    import importlib.util
    import os
    import subprocess
    import sys

    from ..lessons import course

    with checking_input():
        lesson = course.find_lesson(args.lesson)
        if args.port is not None and not 1 <= args.port <= 65535:
            raise ValueError(f"port: must be in [1, 65535], got {args.port}")
    if importlib.util.find_spec("jupyterlab") is None:
        raise ValueError("lessons: opening a lesson needs JupyterLab — `pip install -e '.[lessons]'`")
    out = course.check_build_out(_out(args))
    built = course.build(out)
    if built.written:
        _report(built, str(out))
    notebook = f"{lesson.stem}.ipynb"
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={out}", notebook]
    if args.no_browser:
        command.append("--no-browser")
    if args.port is not None:
        command += [f"--ServerApp.port={args.port}", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses root otherwise, as in a container
    print(f"opening {out / notebook} in JupyterLab (Ctrl-C stops it)", flush=True)
    server = subprocess.Popen(command, cwd=out)
    try:
        # A timed wait, again and again: a blocking one can miss Ctrl-C for good, when the kernel delivers SIGINT to
        # another of this process's threads (JAX starts some) and the main thread's waitpid is never interrupted.
        while True:
            try:
                return server.wait(timeout=WAIT_POLL_S)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        server.terminate()  # JupyterLab stops on SIGTERM, shutting its kernels down first
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        raise


def cmd_pack(args: argparse.Namespace) -> int:
    from ..lessons import course

    out = args.out if args.out is not None else (DEFAULT_PACK_SOLUTIONS if args.solutions else DEFAULT_PACK)
    with checking_input():  # a name that is no zip is bad input; a zip that may not be written is not
        if Path(out).suffix.lower() != ".zip":
            raise ValueError(f"out: must name a .zip file, got {Path(out).name}")
    course.check_pack_out(out, overwrite=args.overwrite)
    path = course.pack(out, solutions=args.solutions, overwrite=args.overwrite)
    print(f"wrote {path}: toysup's wheel and {len(course.lesson_paths())} notebooks, for a hosted notebook service")
    return 0


def add_parser(commands) -> None:
    """Add ``lessons`` with its ``list``, ``build``, ``open`` and ``pack`` subcommands to the CLI's subcommands."""
    lessons = commands.add_parser("lessons", help="the course: list, build, open or pack the lessons")
    actions = lessons.add_subparsers(
        dest="lessons_command", metavar="{list,build,open,pack}", required=True, parser_class=type(lessons)
    )
    listing = actions.add_parser("list", help="the lessons in course order")
    listing.set_defaults(handler=cmd_list)

    solutions = "fill the exercises in with their solutions and add the answers to the questions (the teacher's copy)"
    folder = f"folder for the notebooks (default: {DEFAULT_OUT}; with --solutions {DEFAULT_SOLUTIONS_OUT})"
    build = actions.add_parser("build", help="write every lesson as a notebook paired with its .py (jupytext)")
    build.add_argument("--out", default=None, help=folder)
    build.add_argument("--solutions", action="store_true", help=solutions)
    build.add_argument("--overwrite", action="store_true", help="replace notebooks already there (edits are lost)")
    build.set_defaults(handler=cmd_build)

    opening = actions.add_parser("open", help="build the notebooks if needed and open lesson N in JupyterLab")
    opening.add_argument("lesson", type=int, metavar="N", help="the lesson's number (toysup lessons list)")
    opening.add_argument("--out", default=None, help=f"folder of the notebooks (default: {DEFAULT_OUT})")
    opening.add_argument("--no-browser", action="store_true", help="start JupyterLab without opening a browser")
    opening.add_argument("--port", type=int, default=None, help="JupyterLab's port (default: the first free one)")
    opening.set_defaults(handler=cmd_open)

    pack = actions.add_parser("pack", help="one zip for a class: toysup's wheel and the notebooks")
    pack.add_argument(
        "--out",
        default=None,
        help=f"the .zip to write (default: {DEFAULT_PACK}; with --solutions {DEFAULT_PACK_SOLUTIONS})",
    )
    pack.add_argument("--solutions", action="store_true", help=solutions)
    pack.add_argument("--overwrite", action="store_true", help="replace the zip if it exists")
    pack.set_defaults(handler=cmd_pack)
