"""Plugins under an operating contract.

``contract`` reads the operating contract, ``generate`` builds a plugin's files from its spec
and the contract, ``static`` inspects ``handler.py`` without importing or running it: pure
modules that never print, start a process or touch the network. ``sandbox`` is the explicit
opt-in that runs a handler (``packwarden plugin smoke``), never reached from the hook. This
package imports none of them on import.
"""
