"""Business rules: plain functions that take a Session and the calling Principal.

Importing the package installs nothing: the upkeep of the derived indicator tables is handed to every unit
of work by the entry points (`flag_upkeep.install`, called by `create_app`, the command line and the tests).
"""
