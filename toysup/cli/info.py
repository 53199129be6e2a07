"""``toysup info``: the toysup and JAX versions and the devices JAX sees."""

from __future__ import annotations

import argparse


def add_parser(commands) -> None:
    """Register ``toysup info`` on the ``toysup`` subcommands."""
    info = commands.add_parser("info", help="versions and the devices JAX sees")
    info.set_defaults(handler=cmd_info)


def cmd_info(args: argparse.Namespace) -> int:
    import jax

    from ..version import __version__

    print(f"toysup {__version__}")
    print(f"jax {jax.__version__}, backend {jax.default_backend()}")
    for device in jax.devices():
        print(f"  device {device.id}: {device.platform} {device.device_kind}")
    return 0
