"""A griffe extension for the documentation site: docstrings written for ``help()`` and doctest, read as Markdown.

The library's docstrings use Google sections (``Args:``, ``Returns:``, ``Raises:``, ``Attributes:``), which
mkdocstrings parses, but also two habits of plain-text docstrings that Markdown would mangle:

- doctest examples (``>>> ...``) outside an ``Examples:`` section: each becomes a fenced ``pycon`` block, without
  its ``# doctest:`` flags, and an introducing ``::`` becomes ``:``;
- Sphinx roles such as :func:`toysup.train`: the role is dropped, leaving the name in code;
- a class's ``Attributes:`` section, when each attribute it lists is also a field of the class without a docstring
  of its own: each description moves to its field, which is rendered with its type and default, instead of being
  listed twice.

Only the rendered text changes; the source is not touched.
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj|const|ref):`[~!]?([^`]+)`")
DOCTEST_FLAGS = re.compile(r"\s*# doctest:.*$")
SECTION = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")  # a Google section title, its content indented below it


def as_markdown(text: str) -> str:
    """``text`` with its doctest blocks outside Google sections fenced and its Sphinx roles removed."""
    lines = text.splitlines()
    out: list[str] = []
    in_section = fenced = False
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if line and not line[0].isspace():
            in_section = bool(SECTION.match(line))
        if not fenced and not in_section and line.lstrip().startswith(">>>"):
            end = index
            while end < len(lines) and lines[end].strip():
                end += 1
            block = lines[index:end]
            indent = len(line) - len(line.lstrip())
            if out and out[-1].rstrip().endswith("::"):
                out[-1] = out[-1].rstrip()[:-1]
            if out and out[-1].strip():
                out.append("")
            out += ["```pycon", *(DOCTEST_FLAGS.sub("", dedent(item, indent)) for item in block), "```"]
            index = end
            continue
        out.append(line if fenced else ROLE.sub(r"`\1`", line))
        index += 1
    return "\n".join(out)


def dedent(line: str, indent: int) -> str:
    """``line`` without up to ``indent`` leading spaces."""
    return line[min(indent, len(line) - len(line.lstrip())) :]


def attributes_section(text: str) -> tuple[dict[str, str], str]:
    """The descriptions of a Google ``Attributes:`` section of ``text``, by name, and ``text`` without it."""
    lines = text.splitlines()
    if "Attributes:" not in lines:
        return {}, text
    start = lines.index("Attributes:")
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i][0].isspace()), len(lines))
    block = [line for line in lines[start + 1 : end] if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in block), default=0)
    entries: dict[str, list[str]] = {}
    for line in block:
        entry = re.match(r"(\w+)(?:\s*\([^)]*\))?:\s*(.*)$", line[indent:])
        if len(line) - len(line.lstrip()) == indent and entry:
            entries[entry[1]] = [entry[2]]
        elif entries:
            entries[list(entries)[-1]].append(line.strip())
    rest = lines[:start] + lines[end:]
    while rest and not rest[-1].strip():
        rest.pop()
    return {name: " ".join(words) for name, words in entries.items()}, "\n".join(rest)


class DocstringsAsMarkdown(griffe.Extension):
    """Rewrites each loaded object's docstring with :func:`as_markdown` before mkdocstrings parses it, and moves a
    class's attribute descriptions onto its fields."""

    def on_object(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is None:
            return
        if obj.is_class:
            self.describe_fields(obj)
        obj.docstring.value = as_markdown(obj.docstring.value)

    @staticmethod
    def describe_fields(cls: griffe.Object) -> None:
        descriptions, rest = attributes_section(cls.docstring.value)
        fields = [cls.members.get(name) for name in descriptions]
        if not descriptions or any(
            field is None or field.is_alias or not field.is_attribute or field.docstring is not None for field in fields
        ):
            return
        for field, description in zip(fields, descriptions.values()):
            field.docstring = griffe.Docstring(
                as_markdown(description),
                lineno=cls.docstring.lineno,
                parent=field,
                parser=cls.docstring.parser,
                parser_options=cls.docstring.parser_options,
            )
        cls.docstring.value = rest
