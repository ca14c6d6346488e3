"""All signing in one place: service-code tokens, dynamic-code tokens and API access tokens.

Each purpose has its own salt, so a token made for one purpose never passes as another. The key
list comes from SECRET_KEYS, oldest first: itsdangerous signs with the newest key and accepts all
of them, which is how keys rotate without breaking codes already printed.

A code token carries only ``[code id, version, end of validity (unix seconds)]`` so that the URL
stays short and the QR stays at a low version; everything readable stays on the server.
"""
import re
from dataclasses import dataclass
from functools import lru_cache

from itsdangerous import BadData, BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode

from .. import clock
from ..models import MAX_ROW_ID

# A validity end beyond this (unix seconds, in the year 6325) is no date we ever sign.
_MAX_TIMESTAMP = 2**37

CODE_SALT = "service-code"
DYNAMIC_CODE_SALT = "dynamic-service-code"
ACCESS_SALT = "api-access"

# itsdangerous tokens are three URL-safe base64 segments joined by dots.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{2,200}\.[A-Za-z0-9_\-]{4,12}\.[A-Za-z0-9_\-]{20,90}$")


class MalformedToken(Exception):
    """The input is not shaped like one of our tokens at all."""


class ForgedToken(Exception):
    """Shaped like our token, but the signature does not match any of our keys.

    ``claimed_code_id`` is the code id the unverified payload claims (or None): it tells the agency
    which code a forgery imitates, and is never trusted for anything else.
    """

    def __init__(self, claimed_code_id=None):
        super().__init__(claimed_code_id)
        self.claimed_code_id = claimed_code_id


@dataclass(frozen=True)
class CodeClaim:
    """What a verified code token says."""

    code_id: int
    version: int
    valid_until_ts: int
    signed_at_ts: int
    dynamic: bool


class _ClockSigner(TimestampSigner):
    """Stamps tokens with the application's clock, so that tests can move time for tokens too."""

    def get_timestamp(self):
        return int(clock.now().timestamp())


def _fixed_time_signer(timestamp):
    class _FixedSigner(TimestampSigner):
        def get_timestamp(self):
            return timestamp

    return _FixedSigner


def _serializer(keys, salt, signer=_ClockSigner):
    if signer is _ClockSigner:
        return _clock_serializer(tuple(keys), salt)
    return URLSafeTimedSerializer(list(keys), salt=salt, signer=signer)


@lru_cache(maxsize=64)
def _clock_serializer(keys, salt):
    """One serializer per key list and purpose, built once: the scan at the door reads a token with
    it on every request."""
    return URLSafeTimedSerializer(list(keys), salt=salt, signer=_ClockSigner)


def sign_code(keys, code_id, version, valid_until_ts, issued_at_ts):
    """Sign a static code token with the newest key.

    The timestamp is the moment this version was issued, not "now": a printed code's URL, and so
    its QR image, must be the same every time it is produced for that version and key.
    """
    payload = [code_id, version, valid_until_ts]
    return _serializer(keys, CODE_SALT, _fixed_time_signer(int(issued_at_ts))).dumps(payload)


def sign_dynamic_code(keys, code_id, version, valid_until_ts):
    """Sign a dynamic code token stamped with the current time; it lives for a short while."""
    return _serializer(keys, DYNAMIC_CODE_SALT).dumps([code_id, version, valid_until_ts])


def read_code(keys, token):
    """Check a code token's signature and return its :class:`CodeClaim`.

    Raises MalformedToken when the input is not shaped like our token, ForgedToken when the
    signature fails for every key and both purposes. Age is *not* checked here: the verification
    order judges a dynamic code's age after the code's own state.
    """
    if not isinstance(token, str) or not _TOKEN_SHAPE.match(token):
        raise MalformedToken()
    if not _canonical(token):
        # Base64 ignores the spare low bits of a last character: without this check each token
        # would have several spellings that verify, and a copy could pass for another scan.
        raise ForgedToken(_claimed_code_id(keys, token))
    for salt, dynamic in ((CODE_SALT, False), (DYNAMIC_CODE_SALT, True)):
        try:
            payload, signed_at = _serializer(keys, salt).loads(token, return_timestamp=True)
        except BadSignature:
            continue
        except BadData:
            raise MalformedToken()
        if not _is_claim(payload):
            raise ForgedToken()
        code_id, version, valid_until_ts = payload
        return CodeClaim(code_id, version, valid_until_ts, int(signed_at.timestamp()), dynamic)
    raise ForgedToken(_claimed_code_id(keys, token))


def _canonical(token):
    """Whether each base64 segment of the token is spelled the one way itsdangerous writes it."""
    try:
        return all(base64_encode(base64_decode(part)).decode("ascii") == part for part in token.split("."))
    except BadData:
        return False


def _claimed_code_id(keys, token):
    try:
        _, payload = _serializer(keys, CODE_SALT).loads_unsafe(token)
    except Exception:  # noqa: BLE001 - anything unreadable simply claims nothing
        return None
    if _is_claim(payload):
        return payload[0]
    return None


def _is_claim(payload):
    """``[code id, version, end of validity]``, each an integer in the range we ever sign."""
    return (
        isinstance(payload, list)
        and len(payload) == 3
        and all(type(part) is int for part in payload)
        and 0 < payload[0] <= MAX_ROW_ID
        and 0 < payload[1] <= MAX_ROW_ID
        and 0 <= payload[2] < _MAX_TIMESTAMP
    )


def sign_access(keys, user_id, fingerprint):
    """Sign an API access token for ``user_id`` and the credential fingerprint it was issued
    against (see ``User.credential_fingerprint``): a password reset ends the token."""
    return _serializer(keys, ACCESS_SALT).dumps([user_id, fingerprint])


def read_access(keys, token, max_age):
    """Return ``(user_id, fingerprint)`` of a valid, unexpired access token, or None."""
    try:
        claim = _serializer(keys, ACCESS_SALT).loads(token, max_age=max_age)
    except (SignatureExpired, BadData):
        return None
    if not (isinstance(claim, list) and len(claim) == 2):
        return None
    user_id, fingerprint = claim
    if type(user_id) is not int or not 0 < user_id <= MAX_ROW_ID or not isinstance(fingerprint, str):
        return None
    return user_id, fingerprint
