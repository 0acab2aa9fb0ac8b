from tests.web.conftest import TestClient, log_in
import itertools
BIG = [str(2**63), str(2**64), "-1", "0", "99999999999999999999999999", "9"*400, "1e5", "-9223372036854775809", str(2**31)]
DATES = ["9999-12-31", "0000-01-01", "0001-01-01", "2026-13-01", "x", "2020-01-01", "99999-01-01", "-1"]
def test_probe(client: TestClient, passwords: str, staff) -> None:
    log_in(client, "ada")
    client.post("/api/v1/items", json={"url": "https://m.example/", "conduct": "terrorism.threat"}, headers={"x-csrf-token": log_in(client, "ada")})
    bad = []
    def get(u, **kw):
        try:
            r = client.get(u, follow_redirects=False, **kw)
            code = r.status_code
        except Exception as e:
            code = repr(e)[:150]
        if code == 500 or not isinstance(code, int):
            bad.append((u, kw, code))
    for n in BIG:
        for p in ["/api/v1/items/{}", "/items/{}", "/items/{}/actions", "/dossiers/{}", "/dossiers/{}/files/pdf/en", "/evidence/{}/warc"]:
            get(p.format(n))
        for k in ["page", "per_page", "min_age_days", "max_age_days"]:
            get("/api/v1/items", params={k: n}); get("/items", params={k: n})
    for d in DATES:
        get("/transparency", params={"to": d}); get("/transparency", params={"from": d})
        get("/transparency/report", params={"to": d, "format": "json"})
        get("/api/v1/law/compare", params={"date": d}); get("/law/compare", params={"on": d})
    get("/transparency", params={"from": "2026-05-01", "to": "2026-01-01"})
    for k in ["state", "conduct", "priority", "host_country", "channel", "domain", "q", "provider"]:
        for v in ["zzz", "\x00", "'", "%", "a"*600, "é", "\ud800"]:
            get("/api/v1/items", params={k: v}); get("/items", params={k: v})
    for k, v in [("state", "zzz"), ("state", "\x00")]:
        get("/proposals", params={k: v}); get("/dossiers", params={k: v})
    for v in ["zz", "\x00", "KZ", "kz", "../x"]:
        get(f"/law/{v}"); get(f"/api/v1/law/jurisdictions/{v}")
        get("/api/v1/law/compare", params={"requesting": v, "other": v}); get("/law/compare", params={"requesting": v, "other": v})
    get("/lang", params={"to": "\x00", "next": "\x00"})
    get("/transparency/report", params={"lang": "zz", "format": "json"})
    get("/transparency/report", params={"lang": "zz", "format": "html"})
    get("/dossiers/1/files/x/y")
    get("/evidence/1/zz")
    for x in bad: print("BAD", x)
    assert not bad
