"""The `picojoule` console command: a thin dispatcher over `picojoule.commands`."""

import argparse
import importlib
import pkgutil
import signal
import sys

from picojoule import __version__, commands
from picojoule.base.errors import UserError


def _command_names():
    """``{command name: module name}`` of every command, without importing any."""
    return {
        info.name.replace("_", "-"): info.name
        for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name)
        if not info.name.startswith("_")
    }


def _command_modules(only=None):
    """``(name, module)`` of every command, or of the command ``only``."""
    for name, module in _command_names().items():
        if only is None or name == only:
            yield name, importlib.import_module(f"{commands.__name__}.{module}")


def build_parser(argv=None):
    """The argument parser. When ``argv`` names a command, only that command's module is
    imported (the others are listed by name only), so that a command does not pay for the
    imports of all the others; without one, every command with its help line."""
    names = _command_names()
    chosen = next((arg for arg in argv or () if not arg.startswith("-")), None)
    only = chosen if chosen in names else None
    parser = argparse.ArgumentParser(
        prog="picojoule",
        description="Generate, verify and cost the arithmetic units of low-precision AI hardware.",
    )
    parser.add_argument("--version", action="version", version=f"picojoule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = dict(_command_modules(only))
    for name in names:
        module = modules.get(name)
        if module is None:
            sub.add_parser(name)
            continue
        cmd = sub.add_parser(
            name, help=module.HELP, description=getattr(module, "DESCRIPTION", module.HELP)
        )
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    """Run one command. Bad input, a missing tool or an operating-system failure (a read-only
    or full disk, a missing file) is one line on stderr and exit status 2; Ctrl-C or SIGTERM
    removes the temporary outputs and exits 130."""
    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread
        previous = None
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except BaseException:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        raise
    args.argv = argv  # the command line as given, for outputs that name their command
    try:
        return args._run(args) or 0
    except (UserError, ValueError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"picojoule {args.command}: error: {message}", file=sys.stderr)
        return 2
    except OSError as error:
        from picojoule.base.outputs import os_error_line

        print(f"picojoule {args.command}: error: {os_error_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"picojoule {args.command}: interrupted; no partial outputs kept", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
