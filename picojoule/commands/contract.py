"""`picojoule contract`: print the numeric contract table (the README carries the same)."""

from picojoule.contract import markdown

HELP = "print the numeric contract of the formats and units as a Markdown table"
DESCRIPTION = f"{HELP}. Prints only; writes no file and refuses nothing (it takes no options)."


def add_arguments(parser):
    pass


def run(args):
    print(markdown(), end="")
    return 0
