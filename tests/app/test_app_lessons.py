"""The Lessons page: it renders, the lessons read with display math on lines of its own, and a link opens the
lesson it names."""

from app_helpers import assert_clean, assert_url_round_trip, open_page


def test_lessons_renders():
    app = open_page("lessons")
    assert_clean(app)
    assert app.title[0].value == "Lessons" and app.selectbox(key="lessons_lesson").value == 0  # lesson 0 first
    assert app.query_params["lesson"] == "0"


def test_lessons_are_readable_with_display_math_on_lines_of_its_own():
    app = open_page("lessons")
    lessons = app.selectbox(key="lessons_lesson")
    assert len(lessons.options) >= 2
    lessons.select_index(1).run()  # lesson 1 has $$…$$ across lines
    app.toggle(key="lessons_solutions").set_value(True).run()
    assert_clean(app)
    assert len(app.code) >= 2 and any(markdown.value.startswith("#") for markdown in app.markdown)
    math_lines = [line for markdown in app.markdown for line in markdown.value.splitlines() if "$$" in line]
    assert math_lines and all(line == "$$" for line in math_lines)
    lessons.select_index(len(lessons.options) - 1).run()
    assert_clean(app)


def test_a_link_opens_its_lesson_and_a_bad_value_warns():
    assert_url_round_trip("lessons", {"lesson": "3"}, {})
    app = open_page("lessons", {"lesson": "3", "solutions": "true"})
    assert any(markdown.value.startswith("# Lesson 3") for markdown in app.markdown)
    assert app.toggle(key="lessons_solutions").value and any(header.value == "Solutions" for header in app.subheader)
    app = open_page("lessons", {"lesson": "99"})
    assert any("lesson=" in warning.value for warning in app.warning)
    assert app.selectbox(key="lessons_lesson").value == 0
