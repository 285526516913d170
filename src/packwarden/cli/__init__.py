"""The command line: parse, build, call the core, render, return an exit code."""
