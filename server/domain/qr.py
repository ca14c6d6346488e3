"""QR images of a code's URL. Rendering is kept off the verification path and cached: the image
never changes for a given URL (a new code version means a new URL)."""
import hashlib
import io
from functools import lru_cache

import qrcode
import qrcode.constants
from qrcode.image.svg import SvgPathImage

QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M


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
