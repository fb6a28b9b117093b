"""The domain's one error type, in a module of its own so that the code lists and the
validators can both use it without importing each other."""


class ValidationError(ValueError):
    """Input a person typed is not acceptable. The message is shown to them as it is."""
