"""Typed domain errors. Domain code raises them; the API and pages turn them into responses in one
place (``mini_program_api.errors`` and the page error handlers)."""


class DomainError(Exception):
    """Base class. ``status`` is the HTTP status the error maps to."""

    status = 400

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(DomainError):
    """The object does not exist, or the caller's organisation may not know that it exists."""

    status = 404


class Forbidden(DomainError):
    """The caller may see the object but not do this to it."""

    status = 403


class Conflict(DomainError):
    """The object's state does not allow this (already approved, already rated, …)."""

    status = 409


class Invalid(DomainError):
    """Input that breaks a rule; ``errors`` maps each field to its messages."""

    status = 422

    def __init__(self, errors, message="提交的内容有误，请按提示修改"):
        super().__init__(message, errors)


class InvalidCredentials(DomainError):
    """Username or password wrong, or the account is disabled."""

    status = 401


class Unauthenticated(DomainError):
    """No valid sign-in where one is needed."""

    status = 401
