"""Policy packs: built-in, read from files, converted from Betty profiles, and layered."""
