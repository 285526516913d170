"""The package version, in the bottom layer so caches can key on it."""

VERSION = "0.1.0"
