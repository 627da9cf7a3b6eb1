"""The `picojoule` console command: a thin dispatcher over `picojoule.commands`."""

import argparse
import importlib
import pkgutil
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
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv=None):
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.argv = argv  # the command line as given, for outputs that name their command
    try:
        return args._run(args) or 0
    except (UserError, ValueError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"picojoule {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
