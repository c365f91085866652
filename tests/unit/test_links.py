"""invoices/links.py: signed, expiring invoice links."""

from urllib.parse import parse_qs, urlsplit

from orderdesk.invoices.links import LINK_TTL, check_signature, invoice_path, signed_url

KEY = b"link-key"
NOW = 1_800_000_000.0


def parts(url: str) -> tuple[str, int, str]:
    split = urlsplit(url)
    query = parse_qs(split.query)
    return split.path, int(query["Expires"][0]), query["Signature"][0]


def test_a_signed_url_names_the_invoice_and_expires_a_day_later() -> None:
    url = signed_url(KEY, "https://od.example", "or_1", "lg_1", now=NOW)
    assert url.startswith("https://od.example/invoices/or_1/lg_1.pdf?Expires=")
    path, expires, signature = parts(url)
    assert path == invoice_path("or_1", "lg_1") == "/invoices/or_1/lg_1.pdf"
    assert expires == int(NOW) + LINK_TTL == 1_800_086_400
    assert len(signature) == 43 and "=" not in signature  # SHA-256, base64url unpadded
    assert check_signature(KEY, "or_1", "lg_1", expires, signature, now=NOW) is None
    assert check_signature(KEY, "or_1", "lg_1", expires, signature, now=expires) is None


def test_an_expired_link() -> None:
    _, expires, signature = parts(signed_url(KEY, "", "or_1", "lg_1", now=NOW))
    assert check_signature(KEY, "or_1", "lg_1", expires, signature, now=expires + 1) == "expired"
    # expiry is checked first: a stale link is "expired" even with a bad signature
    assert check_signature(KEY, "or_1", "lg_1", expires, "x", now=expires + 1) == "expired"


def test_a_bad_signature() -> None:
    _, expires, signature = parts(signed_url(KEY, "", "or_1", "lg_1", now=NOW))
    bad = "bad signature"
    assert check_signature(KEY, "or_1", "lg_1", expires, "x" + signature, now=NOW) == bad
    assert check_signature(b"other-key", "or_1", "lg_1", expires, signature, now=NOW) == bad
    assert check_signature(KEY, "or_2", "lg_1", expires, signature, now=NOW) == bad
    assert check_signature(KEY, "or_1", "lg_2", expires, signature, now=NOW) == bad
    # a later expiry cannot be written into a link
    assert check_signature(KEY, "or_1", "lg_1", expires + 3600, signature, now=NOW) == bad
