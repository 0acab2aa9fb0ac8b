"""Turn validated YAML into the frozen model and the engine's indexes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

from comity.law.elements import compile_check
from comity.law.kb._orgbuild import build_register
from comity.law.model import (
    Absence,
    Authority,
    ChannelOffer,
    ChannelSpec,
    Constraint,
    ConstraintException,
    Exclusion,
    Expr,
    FactSpec,
    ImpliedFact,
    Jurisdiction,
    KnowledgeBase,
    Leaf,
    Membership,
    Node,
    NonParty,
    OfficialText,
    PartyEntry,
    Passage,
    Penalty,
    Provision,
    Reach,
    SeriousCrime,
    Source,
    TimeLimit,
    Treaty,
    TreatyArticle,
    TreatyScope,
    Version,
    Vocabulary,
)

__all__ = ["build_kb", "build_vocabulary", "compile_expr"]


def _d(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _source(raw: dict[str, Any]) -> Source:
    return Source(
        raw["title"], raw["url"], raw.get("gazette"), raw.get("read_from"), raw.get("origin")
    )


def compile_expr(raw: dict[str, Any]) -> Expr:
    for op in ("all", "any"):
        if op in raw:
            return Node(op, tuple(compile_expr(c) for c in raw[op]))
    if "not" in raw:
        return Node("not", (compile_expr(raw["not"]),))
    values = frozenset(raw["in"]) if "in" in raw else None
    return Leaf(raw["fact"], raw["label"], values, raw.get("quote"))


def _leaves(expr: Expr) -> tuple[Leaf, ...]:
    if isinstance(expr, Leaf):
        return (expr,)
    return tuple(leaf for child in expr.children for leaf in _leaves(child))


def _designation_rule(raw: dict[str, Any]) -> dict[str, Any]:
    """The version's accepted lists and the key of its per-provision designation fact."""
    lists = raw.get("designation_lists")
    if lists is None:
        return {}
    final = bool(raw.get("designation_final", False))
    key = "@" + "+".join(lists) + ("!final" if final else "")
    return {"designation_lists": tuple(lists), "designation_final": final, "designation_key": key}


def _versions(raw: list[dict[str, Any]], key: str, confidence: str) -> tuple[Version, ...]:
    """`confidence`: the provision's (or constraint's), for the versions giving none."""
    out = []
    for v in raw:
        expr = compile_expr(v[key])
        penalty = v.get("max_penalty")
        out.append(
            Version(
                start=date.fromisoformat(v["from"]),
                end=_d(v.get("to")),
                elements=expr,
                leaves=_leaves(expr),
                check=compile_check(expr),
                max_penalty=None
                if penalty is None
                else Penalty(
                    penalty["text"], penalty.get("years"), bool(penalty.get("life", False))
                ),
                text=tuple(
                    Passage(t["lang"], t["original"], t["gloss"], t.get("ref"))
                    for t in v.get("text", [])
                ),
                designation=v.get("designation"),
                confidence=v.get("confidence", confidence),
                note=v.get("note"),
                **_designation_rule(v),
            )
        )
    return tuple(sorted(out, key=lambda v: v.start))


def _exclusions(raw: list[dict[str, Any]]) -> tuple[Exclusion, ...]:
    return tuple(
        Exclusion(
            e["purpose"], _source(e["source"]), e.get("note"), _d(e.get("from")), _d(e.get("to"))
        )
        for e in raw
    )


def _reaches(raw: list[dict[str, Any]]) -> tuple[Reach, ...]:
    out = []
    for r in raw:
        expr = compile_expr(r["requires"]) if "requires" in r else None
        out.append(
            Reach(
                conducts=frozenset(r["conducts"]),
                reason=r["reason"],
                requires=expr,
                leaves=() if expr is None else _leaves(expr),
                check=None if expr is None else compile_check(expr),
                start=_d(r.get("from")),
                end=_d(r.get("to")),
            )
        )
    return tuple(out)


def _exceptions(constraint: str, raw: list[dict[str, Any]]) -> tuple[ConstraintException, ...]:
    out = []
    for index, u in enumerate(raw, start=1):
        expr = compile_expr(u["when"])
        out.append(
            ConstraintException(
                id=u.get("id", f"{constraint}.exception{index}"),
                citation=u["citation"],
                source=_source(u["source"]),
                when=expr,
                leaves=_leaves(expr),
                applies_to=frozenset(u.get("applies_to", [])),
                note=u.get("note"),
                check=compile_check(expr),
            )
        )
    return tuple(out)


def _provision(code: str, p: dict[str, Any], language: str | None = None) -> Provision:
    return Provision(
        id=p["id"],
        jurisdiction=code,
        citation=p["citation"],
        title=p["title"],
        title_en=p.get("title_en"),
        source=_source(p["source"]),
        kind=p.get("kind", "offence"),
        conducts=frozenset(p["conducts"]),
        protects=p.get("protects", "any"),
        requires_host_designation=bool(p.get("requires_host_designation", False)),
        exclusions=_exclusions(p.get("exclusions", [])),
        confidence=p["confidence"],
        note=p.get("note"),
        versions=_versions(p["versions"], "elements", p["confidence"]),
        reaches=_reaches(p.get("reaches", [])),
        language=language,
        official=tuple(
            OfficialText(lang, o["citation"], o["title"], o["url"], o.get("read_from"))
            for lang, o in p.get("official", {}).items()
        ),
    )


def _constraint(code: str, c: dict[str, Any]) -> Constraint:
    return Constraint(
        id=c["id"],
        jurisdiction=code,
        citation=c["citation"],
        title=c["title"],
        source=_source(c["source"]),
        conducts=frozenset(c.get("conducts", [])),
        confidence=c["confidence"],
        note=c.get("note"),
        versions=_versions(c["versions"], "requires", c["confidence"]),
        applies_to=frozenset(c["applies_to"]),
        exceptions=_exceptions(c["id"], c.get("unless", [])),
    )


def _time_limit(raw: dict[str, Any] | None) -> TimeLimit | None:
    if raw is None:
        return None
    src = raw.get("source")
    return TimeLimit(
        raw["text"],
        raw.get("hours"),
        raw.get("days"),
        None if src is None else _source(src),
        runs_for=raw["runs_for"],  # required by the schema
    )


def _jurisdiction(code: str, files: dict[str, Any], pacts: Mapping[str, Treaty]) -> Jurisdiction:
    j = files.get("jurisdiction") or {"code": code, "name": code, "legal_system": "civil_law"}
    raw = files.get("provisions") or {}
    # The language the file cites in: declared, else the state's only language.
    spoken = j.get("languages", [])
    language = raw.get("language") or (spoken[0] if len(spoken) == 1 else None)
    provisions = tuple(_provision(code, p, language) for p in raw.get("provisions", []))
    conf = {"confidence": "high"}
    return Jurisdiction(
        code=code,
        name=j["name"],
        name_local=j.get("name_local"),
        legal_system=j["legal_system"],
        languages=tuple(j.get("languages", [])),
        memberships=tuple(
            Membership(
                m["org"],
                date.fromisoformat(m["from"]),
                _d(m.get("to")),
                _source(m["source"]),
                {**conf, **m}["confidence"],
                m.get("note"),
            )
            for m in j.get("memberships", [])
        ),
        authorities=MappingProxyType(
            {
                a["id"]: Authority(
                    a["id"],
                    a["name"],
                    a.get("name_en"),
                    tuple(a["role"]),
                    _source(a["source"]),
                    a.get("address"),
                    {**conf, **a}["confidence"],
                    a.get("note"),
                    tuple(a.get("languages", [])),
                    a.get("form"),
                    _d(a.get("from")),
                    _d(a.get("to")),
                )
                for a in j.get("authorities", [])
            }
        ),
        channels=tuple(
            ChannelOffer(
                c["code"],
                code,
                c.get("authority"),
                _d(c.get("from")),
                _d(c.get("to")),
                _time_limit(c.get("time_limit")),
                tuple(c.get("scope", [])),
                _exclusions(c.get("exclusions", [])),
                _source(c["source"]),
                tuple(_source(s) for s in c.get("legal_basis", [])),
                {**conf, **c}["confidence"],
                c.get("note"),
            )
            for c in j.get("channels", [])
        ),
        treaties=tuple(pacts[t] for t in j.get("treaties", []) if t in pacts),
        provisions=provisions,
        constraints=tuple(
            _constraint(code, c) for c in (files.get("constraints") or {}).get("constraints", [])
        ),
        encoded_from=_encoded_from(j.get("encoded_from"), provisions),
        encoded_from_note=(j.get("encoded_from") or {}).get("note"),
        conduct_encoded_from=MappingProxyType(
            {
                conduct: (date.fromisoformat(c["date"]), c["note"])
                for conduct, c in ((j.get("encoded_from") or {}).get("conducts") or {}).items()
            }
        ),
        last_verified=_d(j.get("last_verified")),
        absences=tuple(
            Absence(
                a["conduct"],
                bool(a["verified"]),
                a["note"],
                _source(a["source"]) if "source" in a else None,
                bool(a.get("partial", False)),
            )
            for a in (files.get("provisions") or {}).get("absences", [])
        ),
    )


def _encoded_from(raw: dict[str, Any] | None, provisions: tuple[Provision, ...]) -> date | None:
    """The first date the law is encoded for: stated, else the earliest provision version.

    Why a default: before the earliest version nothing of the state's law was read,
    so an answer there would be a guess (`no` by omission), not a reading.
    """
    if raw is not None:
        return date.fromisoformat(raw["date"])
    starts = [v.start for p in provisions for v in p.versions if v.start is not None]
    return min(starts) if starts else None


def _treaty(t: dict[str, Any]) -> Treaty:
    """One treaty register record (`knowledge/_treaties/<id>.yaml`)."""
    return Treaty(
        id=t["id"],
        title=t["title"],
        title_local=t.get("title_local"),
        kind=t["kind"],
        signed=date.fromisoformat(t["signed"]),
        depositary=t.get("depositary"),
        provides=tuple(t.get("provides", [])),
        articles=tuple(
            TreatyArticle(a["topic"], a["article"], a["text"]) for a in t.get("articles", [])
        ),
        channels=tuple(t["channels"]),
        source=_source(t["source"]),
        parties=tuple(
            PartyEntry(
                p["state"],
                date.fromisoformat(p["from"]),
                _d(p.get("to")),
                _source(p["source"]),
                p.get("confidence", "high"),
                p.get("note"),
            )
            for p in t["parties"]
        ),
        parties_complete=bool(t["parties_complete"]),
        non_parties=tuple(
            NonParty(n["state"], _source(n["source"]), n.get("confidence", "high"), n.get("note"))
            for n in t.get("non_parties", [])
        ),
        confidence=t.get("confidence", "high"),
        note=t.get("note"),
        conducts=frozenset(t["conducts"]) if "conducts" in t else None,
        in_force=_d(t.get("in_force")),
        signatories=frozenset(t.get("signatories", [])),
        open_to_all=bool(t.get("open_to_all", False)),
        scope=MappingProxyType(
            {conduct: _scope(raw) for conduct, raw in (t.get("scope") or {}).items()}
        ),
        serious_crime=_serious_crime(t.get("serious_crime")),
    )


def _serious_crime(raw: dict[str, Any] | None) -> SeriousCrime | None:
    if raw is None:
        return None
    otherwise = raw.get("otherwise")
    return SeriousCrime(
        float(raw["years"]),
        frozenset(raw["conducts"]),
        raw["article"],
        raw["quote"],
        None if otherwise is None else (otherwise["label"], otherwise["quote"]),
    )


def _scope(raw: dict[str, Any]) -> TreatyScope:
    expr = compile_expr(raw)
    return TreatyScope(expr, _leaves(expr), compile_check(expr))


def build_vocabulary(v: dict[str, Any]) -> Vocabulary:
    return Vocabulary(
        conducts=MappingProxyType({k: c["label"] for k, c in v["conducts"].items()}),
        aimed_at_requesting_state=frozenset(v.get("aimed_at_requesting_state", [])),
        facts=MappingProxyType(
            {
                k: FactSpec(
                    k, f["type"], f["label"], tuple(f.get("values", [])), f.get("requesting")
                )
                for k, f in v["facts"].items()
            }
        ),
        excluded_purposes=tuple(v["excluded_purposes"]),
        host_designation_label=v["host_designation_label"],
        channels=MappingProxyType(
            {
                k: ChannelSpec(
                    k,
                    c["label"],
                    bool(c["governmental"]),
                    bool(c["universal"]),
                    float(c["prior_weight"]),
                    float(c["prior_days"]),
                )
                for k, c in v["channels"].items()
            }
        ),
        roles=MappingProxyType({k: MappingProxyType(dict(r)) for k, r in v["roles"].items()}),
        treaty_boost=float(v["treaty_boost"]),
        conditional_factor=float(v["conditional_factor"]),
        stats_min_count=int(v["channel_stats"]["min_count"]),
        priorities=tuple(v["priorities"]),
        organisations=MappingProxyType({k: o["name"] for k, o in v["organisations"].items()}),
        authority_roles=tuple(v["authority_roles"]),
        legal_systems=tuple(v["legal_systems"]),
        requesting_twins=tuple(
            (k, f["requesting"]) for k, f in v["facts"].items() if f.get("requesting")
        ),
        implied_facts=tuple(
            ImpliedFact(
                i["fact"],
                i["value"],
                frozenset(i.get("conducts", ())),
                i["reason"],
                (i["when"]["fact"], i["when"]["value"]) if "when" in i else None,
            )
            for i in v.get("implied_facts", [])
        ),
    )


def build_kb(
    *,
    vocab: dict[str, Any],
    folders: dict[str, dict[str, Any]],
    digest: str,
    root: str,
    register: dict[str, Any] | None = None,
    treaties: Mapping[str, dict[str, Any]] | None = None,
) -> KnowledgeBase:
    pacts = {ident: _treaty(raw) for ident, raw in sorted((treaties or {}).items())}
    jurisdictions = {
        code: _jurisdiction(code, files, pacts) for code, files in sorted(folders.items())
    }
    offences: dict[tuple[str, str], list[Provision]] = {}
    constraints: dict[tuple[str, str], list[Constraint]] = {}
    definitions: dict[str, Provision] = {}
    by_id: dict[str, Provision] = {}
    for code, jur in jurisdictions.items():
        for p in jur.provisions:
            by_id[p.id] = p
            if p.kind == "definition":
                definitions[p.id] = p
                continue
            for conduct in p.conducts:
                offences.setdefault((code, conduct), []).append(p)
        for p in jur.provisions:  # general provisions after those filed under the conduct
            for reach in p.reaches if p.kind == "offence" else ():
                for conduct in sorted(reach.conducts - p.conducts):
                    offences.setdefault((code, conduct), []).append(p)
        for c in jur.constraints:
            for ident in sorted(c.applies_to):
                constraints.setdefault((code, ident), []).append(c)
    return KnowledgeBase(
        vocabulary=build_vocabulary(vocab),
        jurisdictions=MappingProxyType(jurisdictions),
        digest=digest,
        root=root,
        offences=MappingProxyType({k: tuple(v) for k, v in offences.items()}),
        definitions=MappingProxyType(definitions),
        constraints=MappingProxyType({k: tuple(v) for k, v in constraints.items()}),
        treaties=tuple(pacts.values()),
        treaties_by_party=MappingProxyType(
            {
                state: tuple(t for t in pacts.values() if state in t.states)
                for state in sorted({s for t in pacts.values() for s in t.states})
            }
        ),
        provisions_by_id=MappingProxyType(by_id),
        register=build_register(register or {}),
    )
