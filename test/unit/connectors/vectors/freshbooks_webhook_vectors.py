#!/usr/bin/env python3
"""Ground truth for the FreshBooks webhook signature (reference/freshbooks.md section 5, quirk 9.1).

FreshBooks signs json.dumps({k: str(v) for k, v in form.items()}) with the callback's verifier, so the only
trustworthy oracle is Python itself. This prints the vectors that
test/unit/freshbooks-webhook-signature.test.ts reads; regenerate with

    python3 test/unit/connectors/vectors/freshbooks_webhook_vectors.py > test/unit/connectors/vectors/freshbooks-webhook-vectors.json

The form dict is built the way a Python receiver/sender would build it from the wire: parse_qsl with
keep_blank_values=True fed into a dict comprehension, so a repeated key keeps its FIRST position and its
LAST value.
"""
import base64
import hashlib
import hmac
import json
import platform
import sys
from urllib.parse import parse_qsl

VERIFIER = "3b1f6c2e9a8d4f70b5c1e2d3a4f5b6c7"

# (name, raw urlencoded body, verifier, what it exercises)
CASES = [
    ("reference_example",
     "name=invoice.create&object_id=1234567&account_id=6BApk&business_id=6543&identity_id=1234&user_id=1",
     VERIFIER, "the delivery example from reference section 5"),
    ("callback_verify",
     "name=callback.verify&object_id=100001&account_id=6BApk&business_id=6543&identity_id=1234&user_id=1"
     "&verifier=3b1f6c2e9a8d4f70b5c1e2d3a4f5b6c7",
     VERIFIER, "the handshake POST, which carries the verifier itself"),
    ("colon_comma_in_values",
     "note=a%3Ab%2Cc&sep=%22%3A+%22&sep2=%22%2C+%22&k%3Ay%2C=v%3A%2C&braces=%7B%22x%22%3A+1%7D",
     VERIFIER, "':' ',' and the '\": \"' / '\", \"' separators inside keys and values"),
    ("spaces_and_plus",
     "memo=hello+world&sum=1%2B1%3D2&pct20=a%20b&raw=a b&plus2=++",
     VERIFIER, "'+' is a space, %2B is a plus, a literal space passes through"),
    ("non_ascii_percent_encoded",
     "name=Caf%C3%A9&city=M%C3%BCnchen&zh=%E4%B8%AD%E6%96%87&emoji=%F0%9F%98%80&%C3%A9=%C3%BC",
     VERIFIER, "é ü 中文 and 😀 (astral: surrogate pair \\ud83d\\ude00), non-ASCII key"),
    ("non_ascii_literal",
     "name=Café&zh=中文&emoji=😀",
     VERIFIER, "non-ASCII characters sent unencoded in the body"),
    ("quotes_and_backslashes",
     "q=say+%22hi%22&bs=C%3A%5Cpath%5Cto&mix=%5C%22&%22k%22=%5C",
     VERIFIER, "quotes and backslashes escaped as \\\" and \\\\"),
    ("control_characters",
     "nl=line1%0Aline2&tab=a%09b&cr=%0D&bsp=%08&ff=%0C&nul=%00&us=%1F&esc=%1B&del=%7F&nel=%C2%85",
     VERIFIER, "\\n \\t \\r \\b \\f short escapes, \\u00XX for the rest, DEL (0x7f) escaped too"),
    ("slashes",
     "url=https%3A%2F%2Fexample.com%2Fa%2Fb%3Fx%3D1&raw=/x/y",
     VERIFIER, "'/' is not escaped"),
    ("empty_values",
     "a=&b&=v&c=",
     VERIFIER, "empty value, key without '=', empty key"),
    ("repeated_keys",
     "a=1&b=2&a=3&c=4&b=",
     VERIFIER, "dict keeps the first position and the last value"),
    ("percent_edge_cases",
     "tilde=%7e&lower=%c3%a9&bad=%zz&trail=%&short=%2&ff=%FF&trunc=%E4%B8&bom=%EF%BB%BFx&sur=%ED%A0%80"
     "&ls=%E2%80%A8&k%65y=v",
     VERIFIER, "lowercase hex, malformed escapes kept literally, invalid UTF-8 -> U+FFFD, BOM kept, U+2028"),
    ("leading_question_mark",
     "?name=invoice.create&object_id=1",
     VERIFIER, "parse_qsl keeps '?' as part of the first key (URLSearchParams would strip it)"),
    ("semicolon_not_a_separator",
     "a=1;b=2&c=3",
     VERIFIER, "Python >= 3.9.2 splits on '&' only"),
    ("stray_ampersands",
     "&&name=invoice.update&&object_id=42&",
     VERIFIER, "empty pairs are skipped"),
    ("empty_body",
     "",
     VERIFIER, "no fields: '{}'"),
    ("non_ascii_verifier",
     "name=invoice.create&object_id=1",
     "cl\u00e9-\U0001F600-\u4e2d", "the verifier is the HMAC key as UTF-8"),
]


def signature_message(body: str) -> str:
    form = {k: v for k, v in parse_qsl(body, keep_blank_values=True)}
    return json.dumps({k: str(v) for k, v in form.items()})


def sign(body: str, verifier: str) -> str:
    mac = hmac.new(verifier.encode("utf-8"), signature_message(body).encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def main() -> None:
    if sys.version_info < (3, 9, 2):
        sys.exit("needs Python >= 3.9.2 (parse_qsl splits on '&' only)")
    vectors = []
    for name, body, verifier, note in CASES:
        vectors.append({
            "name": name,
            "note": note,
            "body": body,
            "verifier": verifier,
            "pairs": parse_qsl(body, keep_blank_values=True),
            "message": signature_message(body),
            "signature": sign(body, verifier),
        })
    out = {"generator": f"Python {platform.python_version()} json.dumps/hmac/hashlib/base64/urllib.parse.parse_qsl",
           "vectors": vectors}
    # ensure_ascii keeps the file itself ASCII so no editor or git setting can alter a vector.
    print(json.dumps(out, indent=2, ensure_ascii=True))


if __name__ == "__main__":
    main()
