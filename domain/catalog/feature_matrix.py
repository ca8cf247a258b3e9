"""The plan comparison matrix: one row per feature, one column per plan, read as inclusion.

Plans list features as free text, and a higher plan often words the same feature differently:
Starter has "1 project" and "E-mail support", Team "Unlimited projects" and "Priority support".
Compared as strings, Team would show a dash under "1 project" although it includes more. So
features of different plans share a row when they differ only in a leading *qualifier*, and the
row says what each plan includes:

- a qualifier is the first word of a feature of two or more words, when it is a quantity
  ("1", "10,000", "99.9%", "5+") or one of ``LEVEL_WORDS`` ("Unlimited", "Priority", "E-mail",
  ...); the rest (singular and plural alike: "project" = "projects") is the row's subject;
- features of two or more plans with the same subject, worded differently, make one row named
  after the subject ("Projects", "Support"), each cell giving its plan's qualifier ("1",
  "Unlimited"); a plan listing two features with one subject keeps them in their own rows;
- every other feature is a row of its own, its cells a plain mark.

Nothing is dropped: every feature of every plan is a check in exactly one row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

LEVEL_WORDS = frozenset(
    {
        "unlimited", "priority", "e-mail", "email", "phone", "chat", "community", "basic",
        "standard", "advanced", "premium", "dedicated", "custom", "limited", "24/7", "full",
    }
)  # fmt: skip
_QUANTITY = re.compile(r"[<>~]?\d[\d,.\u202f]*(%|\+|k|m|x)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FeatureRow:
    feature: str  # the row's heading
    included: tuple[bool, ...]  # one per plan
    wording: tuple[str | None, ...]  # one per plan: what it includes, when the row groups wordings


def _split(feature: str) -> tuple[str | None, str]:
    """(qualifier, subject) of a feature; no qualifier when its first word is not one."""
    words = feature.split(maxsplit=1)
    if len(words) == 2 and (_QUANTITY.fullmatch(words[0]) or words[0].lower() in LEVEL_WORDS):
        return words[0], words[1]
    return None, feature


def _key(subject: str) -> str:
    """Case and a plural "s" ignored: "projects" and "Project" are one subject."""
    text = " ".join(subject.lower().split())
    return text[:-1] if text.endswith("s") and not text.endswith("ss") else text


def _heading(subjects: Sequence[str]) -> str:
    """The subject as a heading, plural when any plan words it in the plural: "Projects"."""
    chosen = next((s for s in subjects if s.lower().endswith("s")), subjects[0])
    return chosen[:1].upper() + chosen[1:]


def feature_rows(plans: Sequence[Sequence[str]]) -> tuple[FeatureRow, ...]:
    """The matrix for plans given as their feature lists, rows in the order the plans list them."""
    # subject key -> {plan index: feature}, for features with a qualifier
    by_subject: dict[str, dict[int, str]] = {}
    repeated: set[str] = set()
    for index, features in enumerate(plans):
        for feature in features:
            qualifier, subject = _split(feature)
            if qualifier is None:
                continue
            members = by_subject.setdefault(_key(subject), {})
            if index in members:
                repeated.add(_key(subject))
            members[index] = feature
    grouped = {
        key: members
        for key, members in by_subject.items()
        if key not in repeated and len(members) > 1 and len(set(members.values())) > 1
    }
    rows: list[FeatureRow] = []
    seen: set[str] = set()
    for features in plans:
        for feature in features:
            qualifier, subject = _split(feature)
            key = _key(subject)
            if qualifier is not None and key in grouped:
                if "group:" + key in seen:
                    continue
                seen.add("group:" + key)
                members = grouped[key]
                subjects = [_split(members[i])[1] for i in sorted(members)]
                rows.append(
                    FeatureRow(
                        feature=_heading(subjects),
                        included=tuple(i in members for i in range(len(plans))),
                        wording=tuple(
                            _split(members[i])[0] if i in members else None
                            for i in range(len(plans))
                        ),
                    )
                )
            elif feature not in seen:
                seen.add(feature)
                rows.append(
                    FeatureRow(
                        feature=feature,
                        included=tuple(feature in p for p in plans),
                        wording=(None,) * len(plans),
                    )
                )
    return tuple(rows)
