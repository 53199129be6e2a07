"""The Lessons page: it renders, and the lessons read with display math on lines of its own."""

from app_helpers import assert_clean, assert_renders_before_any_training, open_page


def test_lessons_renders_before_any_training():
    assert_renders_before_any_training("lessons")


def test_lessons_are_readable_with_display_math_on_lines_of_its_own():
    app = open_page("lessons")
    lessons = app.selectbox(key="lessons_lesson")
    assert len(lessons.options) >= 1
    app.toggle(key="lessons_solutions").set_value(True).run()  # the first lesson has $$…$$ across lines
    assert_clean(app)
    assert len(app.code) >= 2 and any(markdown.value.startswith("#") for markdown in app.markdown)
    math_lines = [line for markdown in app.markdown for line in markdown.value.splitlines() if "$$" in line]
    assert math_lines and all(line == "$$" for line in math_lines)
    lessons.select_index(len(lessons.options) - 1).run()
    assert_clean(app)
