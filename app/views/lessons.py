"""Lessons: the course, readable in the app (run it as notebooks: ``toysup lessons build``)."""

import re
from pathlib import Path

import shared
import streamlit as st

import toysup.lessons as course

KEY = "lessons"


@st.cache_data(show_spinner=False)
def lesson_list() -> list[tuple[str, str]]:
    """(path, title) of every lesson, in course order."""
    return [(str(path), course.lesson_title(path)) for path in course.lesson_paths()]


@st.cache_data(show_spinner=False, max_entries=32)
def lesson_cells(path: str, modified: float) -> list[tuple[str, str]]:
    """(kind, source) of each cell; ``modified`` makes an edited lesson re-read."""
    return [(cell.cell_type, cell.source) for cell in course.read_lesson(path).cells]


def display_math(markdown: str) -> str:
    """Jupyter reads ``$$…$$`` anywhere (even across lines); Streamlit's Markdown wants each on lines of its own."""
    return re.sub(
        r"\$\$(.+?)\$\$", lambda m: "\n$$\n" + " ".join(m.group(1).split()) + "\n$$\n", markdown, flags=re.DOTALL
    )


st.title("Lessons")
st.markdown(
    "A course on superposition and sparse autoencoders. Each lesson has exercises whose `check_*` "
    "function tells you whether your answer is right. To work through them, build the notebooks with "
    "`toysup lessons build` and open them in Jupyter; here you can read them."
)

try:
    lessons = lesson_list()
except ValueError as error:
    st.error(str(error))
    st.stop()

numbers = {int(Path(path).stem[:2]): (path, title) for path, title in lessons}
shared.url_state(KEY, {"lesson": next(iter(numbers)), "solutions": False}, {"lesson": numbers})
number = st.selectbox(
    "lesson",
    list(numbers),
    format_func=lambda n: numbers[n][1],
    key=f"{KEY}_lesson",
    help="The lessons in course order, from lesson 0 (JAX for NumPy users) to the modern SAEs; the link to this page "
    "names the lesson shown (?lesson=N).",
)
show_solutions = st.toggle(
    "show the solutions of this lesson's exercises",
    key=f"{KEY}_solutions",
    help="The worked solutions of the exercises (lessons/solutions/), below the lesson. Try the exercises first.",
)
shared.sync_url(KEY, ("lesson", "solutions"))
path = numbers[number][0]
try:
    cells = lesson_cells(path, Path(path).stat().st_mtime)
except (ValueError, OSError) as error:
    st.error(f"Could not read {Path(path).name}: {error}")
    st.stop()

for kind, source in cells:
    if kind == "markdown":
        st.markdown(display_math(source))
    elif kind == "code" and source.strip():
        st.code(source, language="python")

if show_solutions:
    solution = course.solution_path(path)
    st.divider()
    if solution.exists():
        st.subheader("Solutions")
        st.code(solution.read_text(), language="python")
    else:
        st.info(f"This lesson has no solutions file ({solution.name}).")
