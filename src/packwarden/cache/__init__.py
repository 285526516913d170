"""Caches that keep the hook fast: the compiled policy and per-file results.

Both live in the user's cache folder (``$PACKWARDEN_HOME/cache`` when set), never in the
checked repository, and both are content-keyed: a stale entry is never used, and a corrupt one
is discarded. ``packwarden cache clear`` removes them.
"""
