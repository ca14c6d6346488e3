"""Short human codes printed under the QR, for when a camera fails.

Eight characters from an alphabet without look-alikes (no 0/O, 1/I/L): seven random ones and a
check character. 31 symbols is a prime, so the position-weighted sum catches every single-character
error and every swap of two neighbouring characters.
"""
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


def _check_char(body):
    total = sum((position + 2) * ALPHABET.index(char) for position, char in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_human_code():
    """A fresh random human code with its check character."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH - 1))
    return body + _check_char(body)


def normalise_human_code(text):
    """Upper-case, strip spaces and dashes; return None unless it is a well-formed code."""
    code = "".join((text or "").split()).replace("-", "").upper()
    if len(code) != LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code if _check_char(code[:-1]) == code[-1] else None
