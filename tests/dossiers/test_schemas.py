"""A dossier that exists can be sent: bad input is refused when it is built."""

from __future__ import annotations

import dataclasses

import pytest

from comity.core.errors import BadInput, Refused
from comity.dossiers.schemas import Party, Provision
from conftest import DE_111, KZ_256, build_dossier, build_item


def test_a_dossier_with_no_items_is_refused() -> None:
    with pytest.raises(Refused, match="no items"):
        build_dossier(urls=(), items=())


def test_an_item_without_evidence_hash_is_refused() -> None:
    item = build_item("https://a.example/1")
    with pytest.raises(Refused, match="no evidence"):
        dataclasses.replace(item, evidence_sha256="")


def test_an_evidence_hash_that_is_not_sha256_is_bad_input() -> None:
    item = build_item("https://a.example/1")
    with pytest.raises(BadInput, match="64 lower-case hex"):
        dataclasses.replace(item, evidence_sha256="ABC")


def test_a_provision_without_source_is_refused() -> None:
    with pytest.raises(Refused, match="has no source"):
        Provision(id="KZ.CC.256", citation="Article 256", source=" ", jurisdiction="KZ")


def test_a_governmental_request_without_host_provision_is_refused() -> None:
    item = dataclasses.replace(build_item("https://a.example/1"), host_provision=None)
    with pytest.raises(Refused, match="no matching host provision"):
        build_dossier(items=(item,))


def test_a_note_verbale_cannot_list_items_hosted_in_another_state() -> None:
    with pytest.raises(Refused, match="one dossier per host state"):
        build_dossier(urls=["https://a.example/1", "https://b.example/2"], countries=["DE", "NL"])


def test_a_kazakh_note_needs_the_addressee_in_the_dative() -> None:
    addressee = Party(name="Германия Елшілігі", country="DE")
    with pytest.raises(BadInput, match="name_dative"):
        build_dossier(language="kk", addressee=addressee)


def test_an_eu_removal_order_refuses_content_that_is_not_terrorist_content() -> None:
    item = build_item("https://a.example/1", conduct="disinformation.false_information")
    with pytest.raises(Refused, match="Article 2\\(7\\)"):
        build_dossier(kind="eu_removal_order", items=(item,))


def test_an_eu_dossier_refuses_items_hosted_outside_the_union() -> None:
    item = build_item("https://a.example/1")
    moved = dataclasses.replace(item, hosting=dataclasses.replace(item.hosting, country="US"))
    with pytest.raises(Refused, match="outside the EU"):
        build_dossier(kind="eu_coordinator", items=(moved,))


def test_a_channel_that_does_not_fit_the_kind_is_bad_input() -> None:
    with pytest.raises(BadInput, match=r"dossier\.channel"):
        build_dossier(channel="provider_referral")


def test_a_line_break_in_a_name_is_refused_before_it_reaches_an_email_header() -> None:
    with pytest.raises(BadInput, match=r"party\.name"):
        Party(name="Evil\r\nBcc: victim@example.org", country="DE")


def test_a_later_version_must_name_what_it_supersedes() -> None:
    with pytest.raises(BadInput, match="supersedes"):
        build_dossier(version=2)


def test_legal_basis_lists_each_provision_once_in_order() -> None:
    dossier = build_dossier(urls=["https://a.example/1", "https://a.example/2"])
    assert dossier.requesting_provisions == (KZ_256,)
    assert dossier.host_provisions == (DE_111,)
