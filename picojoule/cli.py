"""The `picojoule` console command: a thin dispatcher over `picojoule.commands`."""

import argparse
import importlib
import pkgutil
import signal
import sys

from picojoule import __version__, commands
from picojoule.base.errors import UserError


def _command_modules():
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            yield (
                info.name.replace("_", "-"),
                importlib.import_module(f"{commands.__name__}.{info.name}"),
            )


def build_parser():
    parser = argparse.ArgumentParser(
        prog="picojoule",
        description="Generate, verify and cost the arithmetic units of low-precision AI hardware.",
    )
    parser.add_argument("--version", action="version", version=f"picojoule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in _command_modules():
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
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
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
