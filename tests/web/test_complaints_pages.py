"""The complaints pages: record a complaint, review it, decide it, tell the addressee;
the case file lists it; the approver is refused on the page too."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.reports.conftest import World, build_world
from tests.web.conftest import TestClient, csrf_of, log_in


@pytest.fixture
def world(engine: Engine, staff: dict[str, str]) -> World:
    return build_world(engine)


def test_a_complaint_on_the_pages_from_receipt_to_rejection(
    client: TestClient, passwords: str, world: World
) -> None:
    item = world.item_ids[2]
    csrf = log_in(client, "leo")
    form = client.get(f"/complaints?item={item}")
    assert f'name="item_id" min="1" required value="{item}"' in form.text
    made = client.post(
        "/complaints",
        data={
            "csrf_token": csrf,
            "item_id": str(item),
            "complainant": "The uploader",
            "complainant_role": "uploader",
            "route": "host_forwarded",
            "grounds": "It is a news report.",
            "received_on": world.today.isoformat(),
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    url = made.headers["location"].split("?")[0]
    shown = client.get(made.headers["location"])
    assert "The complaint is recorded" in shown.text and "It is a news report." in shown.text
    assert "forwarded by the host" in shown.text
    case_file = client.get(f"/items/{item}")
    assert f'href="{url}"' in case_file.text and "received" in case_file.text
    client.post("/logout", data={"csrf_token": csrf})

    csrf = log_in(client, "rita")  # approved the request: refused
    refused = client.post(f"{url}/review", data={"csrf_token": csrf}, follow_redirects=False)
    assert refused.status_code == 409 and "rita approved the request" in refused.text
    client.post("/logout", data={"csrf_token": csrf})

    csrf = log_in(client, "sam")
    client.post(f"{url}/review", data={"csrf_token": csrf})
    decided = client.post(
        f"{url}/decision",
        data={"csrf_token": csrf, "outcome": "rejected", "reason": "It praises the attack."},
    )
    assert "Rejected; the reasons are recorded." in decided.text
    assert "It praises the attack." in decided.text and 'class="reviewer">sam<' in decided.text


def test_the_complaints_page_in_russian_names_the_states_in_words(
    client: TestClient, passwords: str, world: World
) -> None:
    csrf = log_in(client, "leo")
    client.get("/lang?to=ru&next=/complaints")
    page = client.get("/complaints")
    assert "Жалоб не поступало." in page.text and "переслана хостингом" in page.text
    assert csrf_of(page.text) == csrf
