"""server.domain.signing: code tokens, dynamic tokens, access tokens, key rotation."""
import base64
import json

import pytest
from itsdangerous import BadSignature, URLSafeTimedSerializer

from server import clock
from server.domain import signing
from tests.conftest import NOW, move_clock

OLD, NEW = "rotation-key-2025", "rotation-key-2026"
END_TS = 1798732800  # 2027-01-01 00:00 Asia/Shanghai: the end of a code valid until 2026-12-31
ISSUED_TS = int(NOW.timestamp())


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.set_now(NOW)
    yield
    clock.set_now(None)


def _payload_segment(token):
    return token.split(".")[0]


def _decode_segment(segment):
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _encode_segment(value):
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_code_token_carries_only_id_version_and_end_of_validity():
    token = signing.sign_code([OLD, NEW], 42, 3, END_TS, ISSUED_TS)

    assert _decode_segment(_payload_segment(token)) == [42, 3, END_TS]
    claim = signing.read_code([OLD, NEW], token)
    assert claim == signing.CodeClaim(code_id=42, version=3, valid_until_ts=END_TS,
                                      signed_at_ts=ISSUED_TS, dynamic=False)


def test_static_token_is_the_same_every_time_for_one_version():
    first = signing.sign_code([OLD, NEW], 42, 1, END_TS, ISSUED_TS)
    move_clock(days=3)

    assert signing.sign_code([OLD, NEW], 42, 1, END_TS, ISSUED_TS) == first
    assert signing.sign_code([OLD, NEW], 42, 2, END_TS, ISSUED_TS) != first


def test_static_token_is_stamped_with_the_issue_time_not_now():
    token = signing.sign_code([NEW], 7, 1, END_TS, ISSUED_TS - 3600)

    assert signing.read_code([NEW], token).signed_at_ts == ISSUED_TS - 3600


def test_dynamic_token_is_stamped_with_the_clock_and_marked_dynamic():
    move_clock(seconds=17)
    token = signing.sign_dynamic_code([NEW], 7, 2, END_TS)

    claim = signing.read_code([NEW], token)
    assert claim == signing.CodeClaim(code_id=7, version=2, valid_until_ts=END_TS,
                                      signed_at_ts=ISSUED_TS + 17, dynamic=True)


def test_token_signed_with_the_older_key_still_verifies_after_rotation():
    token = signing.sign_code([OLD], 42, 1, END_TS, ISSUED_TS)

    assert signing.read_code([OLD, NEW], token).code_id == 42


def test_new_tokens_are_signed_with_the_newest_key():
    token = signing.sign_code([OLD, NEW], 42, 1, END_TS, ISSUED_TS)

    only_new = URLSafeTimedSerializer(NEW, salt=signing.CODE_SALT)
    only_old = URLSafeTimedSerializer(OLD, salt=signing.CODE_SALT)
    assert only_new.loads(token) == [42, 1, END_TS]
    with pytest.raises(BadSignature):
        only_old.loads(token)


def test_token_of_a_retired_key_is_forged():
    token = signing.sign_code([OLD], 42, 1, END_TS, ISSUED_TS)

    with pytest.raises(signing.ForgedToken):
        signing.read_code([NEW], token)


def test_altered_payload_is_forged():
    token = signing.sign_code([NEW], 42, 1, END_TS, ISSUED_TS)
    payload, timestamp, signature = token.split(".")
    altered = ".".join([_encode_segment([43, 1, END_TS]), timestamp, signature])

    with pytest.raises(signing.ForgedToken):
        signing.read_code([NEW], altered)


def _respellings(segment):
    """Other spellings of a base64 segment that decode to the same bytes (the last character's
    spare low bits set differently)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    found = []
    for char in alphabet:
        other = segment[:-1] + char
        if other != segment and base64.urlsafe_b64decode(other + "=" * (-len(other) % 4)) == raw:
            found.append(other)
    return found


@pytest.mark.parametrize("part", [0, 1, 2])
def test_a_token_has_one_spelling_only(part):
    # Each segment's length leaves spare bits in its last character (the 32-byte signature: 43
    # characters of 6 bits, 2 spare), so each has other spellings of the same bytes.
    token = signing.sign_code([NEW], 42, 1, END_TS, ISSUED_TS)
    segments = token.split(".")
    respelled = _respellings(segments[part])
    assert signing.read_code([NEW], token).code_id == 42
    assert respelled
    for other in respelled:
        altered = ".".join(segments[:part] + [other] + segments[part + 1:])
        with pytest.raises(signing.ForgedToken) as raised:
            signing.read_code([NEW], altered)
        assert raised.value.claimed_code_id == 42


def test_signed_payload_that_is_not_a_claim_is_forged():
    serializer = URLSafeTimedSerializer([NEW], salt=signing.CODE_SALT)

    for payload in (["42", 1, END_TS], [True, 1, END_TS], [42, 1], {"id": 42}):
        with pytest.raises(signing.ForgedToken):
            signing.read_code([NEW], serializer.dumps(payload))


@pytest.mark.parametrize("text", [
    "", "hello", "a.b.c", "not a token at all", "WzEsMSwxXQ.abcd.efgh",
    "WzEsMSwxXQ.axDNIA." + "A" * 200, "../../etc/passwd", "WzEs\u4e2d.axDNIA.AHDRqxrHDJ6Zp_5QHrVc84WJRkQ",
])
def test_input_not_shaped_like_a_token_is_malformed(text):
    with pytest.raises(signing.MalformedToken):
        signing.read_code([NEW], text)


def test_access_token_is_not_a_code_token_and_back():
    access = signing.sign_access([NEW], 5, "fp-of-hash12")
    code = signing.sign_code([NEW], 5, 1, END_TS, ISSUED_TS)

    with pytest.raises(signing.ForgedToken):
        signing.read_code([NEW], access)
    assert signing.read_access([NEW], code, 3600) is None
    assert signing.read_access([NEW], access, 3600) == (5, "fp-of-hash12")


def test_access_token_expires_after_its_lifetime():
    token = signing.sign_access([NEW], 5, "fp-of-hash12")

    move_clock(seconds=3600)
    assert signing.read_access([NEW], token, 3600) == (5, "fp-of-hash12")
    move_clock(seconds=1)
    assert signing.read_access([NEW], token, 3600) is None


def test_access_token_signed_with_the_older_key_is_accepted_after_rotation():
    token = signing.sign_access([OLD], 9, "fp-of-hash12")

    assert signing.read_access([OLD, NEW], token, 3600) == (9, "fp-of-hash12")
    assert signing.read_access([NEW], token, 3600) is None


@pytest.mark.parametrize("payload", [
    [2**31, 1, END_TS], [0, 1, END_TS], [5, 2**63, END_TS], [5, 1, 2**70], [5, 1, -1], [5.0, 1, END_TS],
    [True, 1, END_TS], [5, 1], "5",
])
def test_a_correctly_signed_claim_outside_what_we_sign_is_refused(payload):
    # Only a holder of the key could make these; they must still never reach the database driver.
    token = signing._serializer([NEW], signing.CODE_SALT).dumps(payload)

    with pytest.raises(signing.ForgedToken):
        signing.read_code([NEW], token)


@pytest.mark.parametrize("claim", [[2**31, "fp-of-hash12"], [0, "fp"], ["5", "fp"], [5, None], 5, [5]])
def test_a_correctly_signed_access_claim_of_the_wrong_shape_is_refused(claim):
    token = signing._serializer([NEW], signing.ACCESS_SALT).dumps(claim)

    assert signing.read_access([NEW], token, 3600) is None
