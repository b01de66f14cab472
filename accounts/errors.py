"""Errors of the accounts context, with their stable API codes."""

from payments_platform.api.errors import AuthenticationFailed, InvalidRequest, RateLimited, ResourceMissing


class EmailTaken(InvalidRequest):
    code = "email_taken"
    default_message = "An account with this email already exists."


class InvalidCredentials(AuthenticationFailed):
    code = "invalid_credentials"
    default_message = "Incorrect email or password."


class RefreshTokenInvalid(AuthenticationFailed):
    code = "token_invalid"
    default_message = "The refresh token is invalid, expired or revoked."


class LoginThrottled(RateLimited):
    code = "login_throttled"
    default_message = "Too many failed login attempts. Retry later."


class ApiKeyMissing(ResourceMissing):
    default_message = "No such API key."


class ApiKeyAlreadyRolled(InvalidRequest):
    code = "api_key_already_rolled"
    default_message = "This API key was already rolled: roll its successor."
