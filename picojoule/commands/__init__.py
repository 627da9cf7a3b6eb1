"""One module per `picojoule` subcommand.

Each module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``;
`picojoule.cli` discovers them, so adding a command is adding a module.
"""
