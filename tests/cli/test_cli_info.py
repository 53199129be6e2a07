"""``toysup info`` through ``python -m toysup.cli``."""

import subprocess
import sys


def test_console_script_info_lists_devices():
    done = subprocess.run([sys.executable, "-m", "toysup.cli", "info"], capture_output=True, text=True, check=True)
    assert "jax" in done.stdout and "device 0" in done.stdout
