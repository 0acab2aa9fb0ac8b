"""Verdict rules on recorded responses: removed vs blocked vs challenged vs unreachable."""

from __future__ import annotations

from pathlib import Path

import pytest

from comity.hosting.directory._strictyaml import DirectoryDataError
from comity.tracking.classify import classify
from comity.tracking.probe import ProbeResult
from comity.tracking.signatures import load_signatures

SHA = "a" * 64


def probe(
    status: int | None, body: bytes = b"", url: str = "https://site.example/p", **kw: object
) -> ProbeResult:
    headers = {str(k).replace("_", "-").lower(): str(v) for k, v in kw.pop("headers", {}).items()}  # type: ignore[attr-defined]
    return ProbeResult(
        url=url,
        outcome=str(kw.get("outcome", "ok")),
        status=status,
        final_url=str(kw.get("final_url", url)),
        headers=headers,
        sha256=str(kw["sha256"]) if "sha256" in kw else None,
        head=body,
        error=str(kw["error"]) if "error" in kw else None,
        attempts=int(kw.get("attempts", 1)),  # type: ignore[call-overload]
    )


def test_gone_and_not_found_are_removed() -> None:
    assert classify(probe(410), baseline_sha256=SHA).verdict == "removed"
    assert classify(probe(404), baseline_sha256=SHA).verdict == "removed"


def test_451_is_a_legal_block_naming_the_blocking_authority() -> None:
    found = classify(
        probe(451, headers={"Link": '<https://authority.example/>; rel="blocked-by"'}),
        baseline_sha256=SHA,
    )
    assert found.verdict == "legal_block"
    assert "https://authority.example/" in found.detail


def test_cloudflare_challenge_page_is_not_a_removal() -> None:
    # The OONI trap: a 403/503 "Just a moment..." interstitial is a bot check.
    body = (
        b"<html><head><title>Just a moment...</title></head><body>challenges.cloudflare.com</body>"
    )
    found = classify(probe(403, body, headers={"Server": "cloudflare"}), baseline_sha256=SHA)
    assert found.verdict == "challenge"
    assert "not a removal" in found.detail


def test_cf_mitigated_header_alone_marks_a_challenge() -> None:
    found = classify(probe(403, b"", headers={"cf-mitigated": "challenge"}), baseline_sha256=SHA)
    assert found.verdict == "challenge"


def test_ddos_guard_403_is_a_challenge_even_with_404_like_wording() -> None:
    body = b"<title>Checking your browser</title> page not found?"
    found = classify(probe(403, body, headers={"Server": "ddos-guard"}), baseline_sha256=SHA)
    assert found.verdict == "challenge"


def test_captcha_on_503_is_a_challenge() -> None:
    found = classify(probe(503, b'<div class="g-recaptcha"></div>'), baseline_sha256=SHA)
    assert found.verdict == "challenge"


def test_platform_removal_page_served_with_200_is_removed() -> None:
    body = b"<p>This video has been removed for violating YouTube's Terms of Service</p>"
    found = classify(
        probe(200, body, url="https://www.youtube.com/watch?v=x", sha256="b" * 64),
        baseline_sha256=SHA,
    )
    assert found.verdict == "removed"
    assert "youtube.unavailable" in found.detail


def test_platform_marker_on_another_host_is_not_a_removal() -> None:
    body = b"quote: This video has been removed for violating the rules"
    found = classify(probe(200, body, sha256="b" * 64), baseline_sha256=SHA)
    assert found.verdict == "changed"


def test_redirect_to_suspended_account_page_is_removed() -> None:
    found = classify(
        probe(
            200,
            b"<html>",
            url="https://x.com/someone/status/1",
            final_url="https://x.com/account/suspended",
            sha256="c" * 64,
        ),
        baseline_sha256=SHA,
    )
    assert found.verdict == "removed"


def test_country_withheld_platform_notice_is_a_legal_block() -> None:
    body = b"<span>This post has been withheld in Kazakhstan in response to a legal demand.</span>"
    found = classify(
        probe(200, body, url="https://x.com/a/status/2", sha256="d" * 64), baseline_sha256=SHA
    )
    assert found.verdict == "legal_block"


def test_bare_403_is_not_counted_as_removed() -> None:
    assert classify(probe(403, b"Forbidden"), baseline_sha256=SHA).verdict == "unreachable"


def test_dns_failure_and_timeouts_are_unreachable() -> None:
    dns = classify(probe(None, outcome="dns_error", error="DNS: NXDOMAIN"), baseline_sha256=SHA)
    assert (dns.verdict, dns.detail) == ("unreachable", "DNS: NXDOMAIN")
    slow = classify(
        probe(None, outcome="timeout", error="timed out", attempts=3), baseline_sha256=SHA
    )
    assert slow.verdict == "unreachable"
    assert "after 3 attempts" in slow.detail


def test_server_error_is_unreachable_not_removed() -> None:
    assert classify(probe(500, b"oops"), baseline_sha256=SHA).verdict == "unreachable"


def test_same_content_is_up_and_different_content_changed() -> None:
    assert classify(probe(200, b"x", sha256=SHA), baseline_sha256=SHA).verdict == "up"
    assert classify(probe(200, b"x", sha256="e" * 64), baseline_sha256=SHA).verdict == "changed"
    assert classify(probe(200, b"x", sha256="e" * 64), baseline_sha256=None).verdict == "up"


def test_signature_file_with_unknown_key_fails_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "sig.yaml"
    bad.write_text(
        "schema: x\nsignatures:\n  - id: a\n    kind: removed\n    source: s\n    text: [x]\n"
        "  - id: b\n    kind: removed\n    source: s\n    txt: [typo]\n"
    )
    with pytest.raises(DirectoryDataError, match=r"sig.yaml: line 7: unknown key\(s\) txt"):
        load_signatures(bad)


def test_signature_with_unknown_kind_fails(tmp_path: Path) -> None:
    bad = tmp_path / "sig.yaml"
    bad.write_text("signatures:\n  - id: a\n    kind: deleted\n    source: s\n    text: [x]\n")
    with pytest.raises(
        DirectoryDataError, match="kind must be one of removed, legal_block, challenge"
    ):
        load_signatures(bad)


def test_every_bundled_signature_names_its_source() -> None:
    signatures = load_signatures()
    assert len(signatures) >= 15
    assert all(len(s.source) > 10 for s in signatures)
    assert {s.kind for s in signatures} == {"removed", "legal_block", "challenge"}
