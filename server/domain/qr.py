"""QR images of a code's URL. Rendering is kept off the verification path and cached: the image
never changes for a given URL (a new code version means a new URL)."""
import hashlib
import io
from functools import lru_cache

import qrcode
import qrcode.constants
from qrcode.image.svg import SvgPathImage
from werkzeug.wrappers import Response

QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
# The image of a URL never changes, so a browser or phone may keep it for a year without asking.
CACHE_CONTROL = "private, max-age=31536000, immutable"
REVALIDATE = "private, no-cache"


def _qr(url):
    qr = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE, box_size=10)
    qr.add_data(url)
    qr.make(fit=True)
    return qr


def qr_version(url):
    """The QR version (1–40) the URL needs at error correction M."""
    return _qr(url).version


@lru_cache(maxsize=512)
def render(url, fmt):
    """PNG or SVG bytes of the QR for ``url``; ``fmt`` is ``"png"`` or ``"svg"``."""
    qr = _qr(url)
    buffer = io.BytesIO()
    if fmt == "png":
        qr.make_image().save(buffer, format="PNG")
    elif fmt == "svg":
        qr.make_image(image_factory=SvgPathImage).save(buffer)
    else:
        raise ValueError(fmt)
    return buffer.getvalue()


def etag(url, fmt):
    """A strong ETag for the image: same URL and format, same bytes."""
    return hashlib.sha256(f"{fmt}:{url}".encode()).hexdigest()[:32]


def fingerprint(url):
    """A short tag of the URL for the image's address (``?v=…``): a reissue or a key rotation
    changes the URL, so the address changes and no cache can show the old QR."""
    return hashlib.sha256(url.encode()).hexdigest()[:12]


def image_response(url, fmt, if_none_match, requested_fingerprint=None):
    """The HTTP response serving the QR of ``url`` (``fmt`` ``"png"`` or ``"svg"``): strong ETag and
    304 without a body when ``if_none_match`` (the request's If-None-Match) holds it. Long-lived
    immutable caching only when the address carries the URL's fingerprint (``?v=``); a plain
    address must be revalidated (a cheap 304), because the same address serves the next version.
    One helper for the phone API and the provider pages; the caller passes the request's values
    so that this module never reads the request."""
    tag = etag(url, fmt)
    response = Response(status=200, mimetype=IMAGE_TYPES[fmt])
    response.set_etag(tag)
    immutable = requested_fingerprint == fingerprint(url)
    response.headers["Cache-Control"] = CACHE_CONTROL if immutable else REVALIDATE
    if tag in if_none_match:
        response.status_code = 304
        return response
    response.set_data(render(url, fmt))
    return response


def render_uncached(url, fmt):
    """PNG or SVG bytes of a QR shown only once, such as a dynamic code's (its URL changes every
    time): kept out of ``render``'s cache so that it does not push out the static images."""
    return render.__wrapped__(url, fmt)
