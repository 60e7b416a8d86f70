"""Business rules: plain functions that take a Session and the calling Principal.

Importing the package installs the hooks of `flag`, which keep the derived indicator tables current in
the transaction of every write, whichever service made it.
"""

from app.services import flag as flag
