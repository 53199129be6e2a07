"""The flags themselves: every option of every command has help text and shows its default in ``--help``; the
toy-model flags are derived from ToyConfig's fields (name, type, choices, default, help from the field's
documentation); ``--version``; and the exit statuses (2 for bad input, 1 for a command that fails while running)."""

import argparse
import dataclasses
import importlib

import pytest

from toysup.cli import build_parser, flags, main
from toysup.config import ToyConfig
from toysup.version import __version__

CONFIG_COMMANDS = ("train", "sweep", "animate")  # every ToyConfig field a flag; phase and demo take a few


def _parsers(parser, path=("toysup",)):
    """Every parser of the command tree with its path: toysup, toysup train, …, toysup lessons build, …"""
    yield " ".join(path), parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                yield from _parsers(command, (*path, name))


def _options(parser):
    """The options a user sees: every flag but --help and --version (and the hidden old names)."""
    for action in parser._actions:
        if action.option_strings and not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            if action.help != argparse.SUPPRESS:
                yield action


def _command(name):
    return dict(_parsers(build_parser()))[f"toysup {name}"]


def test_the_walk_reaches_every_command_and_subcommand():
    names = set(dict(_parsers(build_parser())))
    assert {"toysup train", "toysup sae", "toysup lessons build", "toysup lessons pack", "toysup app"} <= names
    assert len(names) >= 1 + 10 + 4


def test_every_option_of_every_command_has_help_text_and_shows_its_default():
    missing = []
    for path, parser in _parsers(build_parser()):
        formatter = parser._get_formatter()
        for action in _options(parser):
            shown = formatter._expand_help(action)
            if not (action.help or "").strip():
                missing.append(f"{path} {action.option_strings[0]}: no help text")
            elif "(default: " not in shown or "(default: )" in shown:
                missing.append(f"{path} {action.option_strings[0]}: no default shown in {shown!r}")
    assert not missing, "\n".join(missing)


def test_help_shows_the_defaults_of_the_command_not_the_parsed_none(capsys):
    with pytest.raises(SystemExit):
        main(["animate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 3000)" in text and "(default: 0.01)" in text  # animate's own steps and learning rate
    assert "--quiet no step counter (default: off)" in text and "None" not in text
    assert " ".join(_command("sae").format_help().split()).count("(default: derived") >= 3


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0 and capsys.readouterr().out.strip() == f"toysup {__version__}"


def test_field_docs_reads_the_attributes_section_one_line_per_field():
    docs = flags.field_docs(ToyConfig)
    assert list(docs) == [field.name for field in dataclasses.fields(ToyConfig)]
    assert docs["n_features"] == "number of input features n (>= 1)."
    assert docs["optimizer"] == "adam or adamw."  # the RST literals shown plain
    assert docs["model"].startswith("one of linear (x' = WᵀWx + b), relu_output") and docs["model"].endswith(
        "target |x|)."
    )  # continued over two lines, joined by one space
    assert all("\n" not in text and "  " not in text for text in docs.values())


@pytest.mark.parametrize("name", CONFIG_COMMANDS)
def test_every_config_field_is_a_flag_documented_by_the_field(name):
    """Each ToyConfig field has its flag, or is listed as deliberately not one with the reason; the flag's help is
    the field's documentation and its type, choices and shown default follow the field."""
    docs = flags.field_docs(ToyConfig)
    defaults = importlib.import_module(f"toysup.cli.{name}").__dict__.get("DEFAULTS", ToyConfig())
    actions = {action.dest: action for action in _command(name)._actions}
    assert all(reason.strip() for reason in flags.NOT_FLAGS.values())
    for field in dataclasses.fields(ToyConfig):
        if field.name in flags.NOT_FLAGS:
            assert field.name not in actions, field.name
            continue
        action = actions.get(field.name)
        assert action is not None, f"toysup {name}: no flag for the ToyConfig field {field.name}"
        expected = "--" + flags.FLAG_NAMES.get(field.name, field.name).replace("_", "-")
        assert action.option_strings == [expected]
        assert action.help == docs[field.name].removesuffix("."), field.name
        assert action.default is None  # so that a flag left out keeps the base config's value
        assert action.choices == flags.CHOICES.get(field.name), field.name
        if field.name != "n_instances":
            assert action.shown_default == flags.show_value(getattr(defaults, field.name)), field.name


def test_the_exceptions_name_real_fields_and_choices_match_the_config():
    fields = {field.name: field for field in dataclasses.fields(ToyConfig)}
    assert set(flags.FLAG_NAMES) <= set(fields) and set(flags.NOT_FLAGS) <= set(fields)
    text_fields = {name for name, field in fields.items() if field.type == "str"}
    assert set(flags.CHOICES) == text_fields
    for name, allowed in flags.CHOICES.items():
        for value in allowed:
            ToyConfig(**{name: value})  # each choice is valid …
        with pytest.raises(ValueError, match=name):
            ToyConfig(**{name: "none of them"})  # … and the config refuses what the parser would


def test_a_flag_given_overrides_the_base_and_one_left_out_keeps_it():
    parser = flags.Parser()
    flags.add_config_flags(parser, ToyConfig())
    base = ToyConfig(n_features=7, steps=50, learning_rate=0.02)
    config = flags.config_from_args(parser.parse_args(["--hidden", "3", "--feature-probability", "0.5,0.1"]), base)
    assert (config.n_features, config.n_hidden, config.steps, config.learning_rate) == (7, 3, 50, 0.02)
    assert config.feature_probability == (0.5, 0.1) and config.n_instances == 2
    config = flags.config_from_args(parser.parse_args(["--importance", "0.5", "--correlated-sets", "2"]), base)
    assert config.importance == 0.5 and config.correlated_sets == (2,)


def test_a_field_of_a_type_without_a_flag_must_be_listed(monkeypatch):
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class WithADict(ToyConfig):
        """A config with a field no flag can take.

        Attributes:
          table: a mapping.
        """

        table: dict = dataclasses.field(default_factory=dict)

    monkeypatch.setattr(flags, "ToyConfig", WithADict)
    with pytest.raises(TypeError, match="table: no flag .* NOT_FLAGS"):
        flags.add_config_flags(flags.Parser(), WithADict(), fields=("table",))


def test_a_runtime_error_exits_1_in_one_line_and_bad_input_2(monkeypatch, capsys, tmp_path):
    def fail(config, **options):
        raise RuntimeError("the device went away")

    monkeypatch.setattr(importlib.import_module("toysup.train"), "train", fail)
    assert main(["train", "--steps", "10", "--quiet"]) == 1
    assert capsys.readouterr().err.strip() == "toysup: error: the device went away"
    assert main(["train", "--steps", "0", "--quiet"]) == 2  # refused by ToyConfig's validation: bad input
    assert capsys.readouterr().err.strip().startswith("toysup: error: steps: ")
    assert main(["train", "--model", "tanh"]) == 2  # refused by the parser
    capsys.readouterr()


def test_checking_input_turns_a_value_error_into_a_usage_error_but_not_a_file_or_a_divergence():
    from toysup.engine import DivergedError
    from toysup.storage import DamagedFileError, OutputError

    with pytest.raises(flags.UsageError, match="steps: bad"), flags.checking_input():
        raise ValueError("steps: bad")
    for error in (OutputError("out: x"), DamagedFileError("x: missing"), DivergedError(3)):
        with pytest.raises(type(error)), flags.checking_input():
            raise error
