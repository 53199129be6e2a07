"""The gallery README: "yes" only for a check that holds at full scale, and a section naming what does not
reproduce."""

from toysup.figures.gallery import gallery_markdown, not_reproduced, verdict


def record(name, holds, mode="full", notes=None):
    check = {"holds": holds, "measure": 1.5}
    if notes is not None:
        check["not_reproduced"] = notes
    return {
        "name": name,
        "title": f"Figure {name}",
        "section": "Sec. 1",
        "caption": "A caption.",
        "criterion": "A criterion.",
        "mode": mode,
        "seconds": 2.0,
        "command": f"toysup figures {name}",
        "svg": None,
        "svg_note": None,
        "check": check,
    }


def test_only_a_full_scale_check_that_holds_says_yes():
    assert verdict(record("a", True)) == "yes"
    assert verdict(record("a", False)) == "**no**"
    assert "yes" not in verdict(record("a", True, mode="quick"))
    assert "no verdict" in verdict(record("a", True, mode="quick"))


def test_what_does_not_reproduce_lists_failed_checks_and_their_notes():
    assert not_reproduced(record("a", True)) == []
    assert not_reproduced(record("a", True, notes=["more than m features: 30 of 40"])) == [
        "more than m features: 30 of 40"
    ]
    assert not_reproduced(record("a", False)) and "does not hold" in not_reproduced(record("a", False))[0]
    text = gallery_markdown([record("a", True), record("b", False, notes=["the jumps do not appear"])])
    section = text.split("## What does not reproduce, and why")[1].split('<a id="a">')[0]
    assert "Figure b" in section and "the jumps do not appear" in section and "Figure a" not in section
    assert "not_reproduced" not in text  # the notes appear once, in the section, not as a raw field
    assert "Every claim checked here holds" in gallery_markdown([record("a", True)])


def test_a_figure_over_the_time_budget_is_marked():
    slow, fast = record("slow", True), record("fast", True)
    slow["seconds"] = 400.0
    rows = [line for line in gallery_markdown([slow, fast]).splitlines() if line.startswith("| ")]
    assert "(over budget)" in rows[1] and "(over budget)" not in rows[2]
