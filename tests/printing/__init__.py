"""Printing room tests (a package so this room's conftest.py does not replace the shared
``conftest`` module that other rooms import helpers from)."""
