"""Errors that stop a run before or instead of a check: exit code 2, one line, no traceback.

They live apart from the modules that raise them so that every layer (settings, tokenizers,
the embedding model, the command line, the language server) can catch them without importing
the others.
"""


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the file and the key."""


class TokenizerError(Exception):
    """A tokenizer that cannot be loaded offline."""


class UsageError(Exception):
    """A command line that cannot be carried out (a missing path, an unreadable baseline)."""
