"""What a lesson's run in a kernel must show, shared by test_lessons.py (every lesson in this environment's
kernel) and test_pack.py (lesson 1, from the packed class, in a fresh environment's kernel): each lesson is run
once in the session."""

import ast

from toysup.lessons import course
from toysup.lessons.course import load_solutions


def stubs(source: str) -> set[str]:
    """Names of the functions whose body raises NotImplementedError (the exercise stubs)."""
    return {
        node.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(inner, ast.Raise) and "NotImplementedError" in ast.unparse(inner) for inner in ast.walk(node)
        )
    }


def check_filled_in(lesson, notebook) -> dict:
    """Each stub of ``lesson`` has a solution and each solution a stub, and ``notebook`` (built with solutions)
    has no stub left; returns the solutions."""
    solutions = load_solutions(lesson)
    assert set(solutions) == stubs(lesson.read_text()), "each stub has a solution and each solution a stub"
    assert len(solutions) >= 1
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert not stubs("\n".join(line for line in code.splitlines() if not line.lstrip().startswith("%")))
    return solutions


def check_ran(solutions, executed) -> str:
    """The executed notebook checked every exercise and shows no error; returns what it printed."""
    printed = course.printed(executed)
    unchecked = [name for name in solutions if f"✓ {name}: all " not in printed]
    assert not unchecked, f"exercises never checked in the lesson: {unchecked}\n{printed[-2000:]}"
    errors = [output for cell in executed.cells for output in cell.get("outputs", []) if output.output_type == "error"]
    assert not errors
    return printed
