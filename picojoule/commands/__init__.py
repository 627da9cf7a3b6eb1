"""One module per `picojoule` subcommand.

Each module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``;
`picojoule.cli` discovers them, so adding a command is adding a module.

Command modules import the layers they drive inside ``add_arguments`` and ``run``, not at module
level: `picojoule.cli` imports every command to build its parser, and Amaranth, cocotb, Yosys
wrappers and matplotlib are heavy, so ``picojoule --help`` and a one-unit command load only
what they use. (`tests/test_base_layers.py` allows function-local imports here for that reason.)
"""
