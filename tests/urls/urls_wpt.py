"""WHATWG URL conformance of `comity.urls.canonicalize` (web-platform-tests data).

Used by test_urls_conformance.py, and run as a script to regenerate
docs/url-conformance.md:

    .venv/bin/python tests/urls/urls_wpt.py

A case is in scope when its input is an http(s) URL and its base is absent or
http(s). The expected `href` is first put through our documented deliberate
differences (written here independently of the code under test), then
compared with our canonical URL.
"""

from __future__ import annotations

import ipaddress
import json
import re
import string
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import idna

from comity.core.errors import BadInput
from comity.urls import canonicalize
from comity.urls._addresses import non_public_reason

DATA = Path("/work/shared/data/url-tests/whatwg-wpt-via-ada/urltestdata.json")
DOC = Path(__file__).resolve().parents[2] / "docs" / "url-conformance.md"

# Deliberate differences that make us refuse a URL a browser accepts.
EXCLUDED = {
    "relative": "`http:path` with a same-scheme base is resolved against the base by WHATWG; "
    "intake receives absolute URLs only, so we read it as `http://path`",
    "userinfo": "user-info (`user:pass@`) is refused: credentials must not be stored or "
    "followed, and `@` is a common disguise for the real host",
    "non_public_host": "hosts that are not public (loopback/private/reserved IPs, single-label "
    "names, localhost, .invalid) are refused unless allowlisted (SSRF guard)",
    "not_dns_name": "hosts that are not DNS names (RFC 1123 letters-digits-hyphens after IDNA "
    "2008, <= 63 octets a label) are refused; WHATWG allows many more characters",
    "idna2008": "A-labels that decode to code points IDNA 2008 disallows (e.g. "
    "`xn--pokxncvks`: circled and squared symbols) are refused; WHATWG's UTS #46 keeps them",
    "port_zero": "port 0 is refused (no server listens there)",
}
# Differences that change the output; applied to the expected href below.
NORMALISED = (
    "fragment dropped",
    "trailing dot of the host dropped",
    "empty query (`?` alone) dropped",
    "percent-escapes of unreserved characters decoded, other escapes upper-case hex",
    "`%` not starting an escape written `%25`",
    "`^ | { } \\` `` ` `` always percent-encoded in path and query",
    "tracking parameters (utm_*, fbclid, ...) removed",
)

_UNRESERVED = set(string.ascii_letters + string.digits + "-._~")
_LDH = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


def _percent(text: str) -> str:
    text = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", text)
    text = re.sub(
        r"%([0-9A-Fa-f]{2})",
        lambda m: chr(int(m[1], 16)) if chr(int(m[1], 16)) in _UNRESERVED else "%" + m[1].upper(),
        text,
    )
    return "".join(f"%{ord(c):02X}" if c in "^|{}`\\" else c for c in text)


def expected_canonical(case: dict[str, str]) -> str:
    host = case["hostname"].removesuffix(".")
    port = f":{case['port']}" if case["port"] else ""
    search = _percent(case["search"]) if case["search"] not in ("", "?") else ""
    return f"{case['protocol']}//{host}{port}{_percent(case['pathname'])}{search}"


def _host_category(host: str) -> str | None:
    bare = host[1:-1] if host.startswith("[") else host
    try:
        address = ipaddress.ip_address(bare)
        return None if non_public_reason(address) is None else "non_public_host"
    except ValueError:
        pass
    name = host.removesuffix(".")
    if "." not in name or name.split(".")[-1] in ("localhost", "invalid"):
        return "non_public_host"
    if not all(_LDH.fullmatch(label) for label in name.split(".")):
        return "not_dns_name"
    for label in name.split("."):
        if label.startswith("xn--"):
            try:
                idna.ulabel(label)
            except idna.IDNAError:
                return "idna2008"
    return None


def _category(case: dict[str, str], text: str) -> str | None:
    scheme, _, rest = text.partition(":")
    base = case.get("base")
    if base and base.split(":", 1)[0].lower() == scheme.lower() and not rest.startswith("//"):
        return "relative"
    if case.get("failure"):
        return None
    if case["username"] or case["password"] or "@" in re.split(r"[/\\?#]", rest.lstrip("/\\"))[0]:
        return "userinfo"
    if case["port"] == "0":
        return "port_zero"
    return _host_category(case["hostname"])


@dataclass
class Report:
    in_scope: int = 0
    compared: int = 0
    passed: int = 0
    excluded: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> str:
        return f"{self.passed}/{self.compared} ({100 * self.passed / self.compared:.1f}%)"


def run() -> Report:
    report = Report()
    for case in json.loads(DATA.read_text("utf-8")):
        if not isinstance(case, dict):
            continue
        text = case["input"].strip("".join(map(chr, range(0x21))))
        text = re.sub(r"[\t\n\r]", "", text)
        base = case.get("base")
        if not re.match(r"https?:", text, re.I) or (base and not re.match(r"https?:", base)):
            continue
        report.in_scope += 1
        category = _category(case, text)
        if category is not None:
            report.excluded[category] += 1
            continue
        report.compared += 1
        try:
            got: str | None = canonicalize(case["input"]).url
        except BadInput:
            got = None
        want = None if case.get("failure") else expected_canonical(case)
        if got == want:
            report.passed += 1
        else:
            report.failures.append(f"{case['input']!r}: got {got!r}, want {want!r}")
    return report


def render(report: Report) -> str:
    lines = [
        "# URL canonicalisation: WHATWG conformance",
        "",
        "Generated by `tests/urls/urls_wpt.py` from the web-platform-tests URL data",
        f"(`{DATA.name}`, see /work/shared/data/url-tests/SOURCES.md); checked by",
        "`tests/urls/test_urls_conformance.py`, which fails when this file is stale.",
        "",
        f"- Cases with an http(s) input and no base or an http(s) base: {report.in_scope}",
        f"- Compared (after the normalisations below): {report.compared}",
        f"- **Pass rate: {report.rate}**",
        "",
        "## Excluded: deliberate refusals",
        "",
        "| category | cases | why |",
        "|---|---|---|",
    ]
    lines += [f"| {k} | {report.excluded[k]} | {why} |" for k, why in EXCLUDED.items()]
    lines += ["", "## Deliberate normalisations applied to the expected `href`", ""]
    lines += [f"- {item}" for item in NORMALISED]
    lines += ["", "## Remaining differences", ""]
    lines += [f"- `{f}`" for f in report.failures] or ["None."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    result = run()
    DOC.write_text(render(result), "utf-8")
    sys.stdout.write(f"{result.rate}; wrote {DOC}\n")
