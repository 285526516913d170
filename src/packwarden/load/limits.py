"""Bounds on what the readers accept from files in a checked repository."""

MAX_FILE_BYTES = 1_048_576
MAX_DEPTH = 64
MAX_INT_DIGITS = 64
MAX_CONFIG_BYTES = 65_536
