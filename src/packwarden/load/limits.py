"""Bounds on what the readers accept from files in a checked repository."""

MAX_FILE_BYTES = 1_048_576
MAX_DEPTH = 64
MAX_INT_DIGITS = 64
MAX_CONFIG_BYTES = 65_536
MAX_LOCK_BYTES = 4 * 1024 * 1024  # .packwarden/lock.yml is written by `pull`: a line per pinned pack
MAX_PACK_BYTES = 1_048_576
MAX_EXTENDS_DEPTH = 32  # packs between the selected one and the deepest it extends
MAX_PACKS = 256  # distinct packs one policy may be built from
