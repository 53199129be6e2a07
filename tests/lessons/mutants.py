"""What the mutation tables of ``tests/lessons/test_*mutations.py`` share: a wrong answer (``Mutant``) and the
reference solutions (``solution``)."""

from __future__ import annotations

import functools
from typing import NamedTuple

from toysup.lessons.course import lesson_paths, load_solutions


class Mutant(NamedTuple):
    label: str
    function: object
    match: str | None = None  # what the message must say, beyond the exercise's name


@functools.lru_cache
def _solutions(lesson_number: int) -> dict:
    (lesson,) = [path for path in lesson_paths() if path.name.startswith(f"{lesson_number:02d}_")]
    return load_solutions(lesson)


def solution(lesson_number: int, name: str):
    """The reference solution ``name`` of lesson ``lesson_number`` (its solutions file, loaded once)."""
    return _solutions(lesson_number)[name]
