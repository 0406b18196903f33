"""People of the synthetic country: identities (a real person) and the persons records written about them.

One identity can appear in several `persons` records (another facility's clerk, another spelling): those records
share the identity document, which is what makes them the same person in the interchange format.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kinward.engines.synth.names import NameMaker, PersonName
from kinward.engines.synth.rand import Draws


@dataclass(slots=True)
class Identity:
    """A synthetic person: name, date of birth, identity document, phone, home region; and their records."""

    sex: str
    name: PersonName
    birth_date: dt.date
    id_document: dict[str, str] | None
    phone: str | None
    region: str | None
    refs: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """The first persons record written about this person."""
        return self.refs[0]


class People:
    """Creates identities and writes their persons records through `emit(record)`."""

    def __init__(self, maker: NameMaker, draws: Draws, emit: Callable[[dict[str, Any]], None]) -> None:
        self.maker, self.draws, self.emit = maker, draws, emit
        self.count = 0

    def new(
        self,
        sex: str,
        age: tuple[int, int],
        on: dt.date,
        region: str | None,
        *,
        id_chance: float = 0.93,
        phone_chance: float = 0.85,
        foreign: str | None = None,
    ) -> Identity:
        """A new person of `sex`, aged within `age` years on day `on`, with its first persons record written."""
        d = self.draws
        born = on - dt.timedelta(days=int(365.25 * d.between(age[0], age[1])) + d.below(365))
        document = None
        if foreign is not None:
            document = {"type": "passport", "number": self.maker.passport(), "country": foreign}
        elif d.chance(id_chance):
            area = d.below(10_000)
            if d.chance(0.96):
                number = self.maker.national_id((born.year, born.month, born.day), sex, area)
                document = {"type": "national_id", "number": number, "country": self.maker.country}
            else:
                document = {
                    "type": "passport",
                    "number": self.maker.passport(),
                    "country": self.maker.country,
                }
        phone = self.maker.phone() if d.chance(phone_chance) else None
        person = Identity(sex, self.maker.name(sex), born, document, phone, region)
        self.record(person)
        return person

    def record(self, person: Identity, *, variant: bool = False, with_birth_date: bool | None = None) -> str:
        """Write one more persons record about `person` (a spelling variant if asked); return its ref."""
        self.count += 1
        ref = f"PR-{self.count:07d}"
        name = self.maker.variant(person.name) if variant else person.name
        record: dict[str, Any] = {"ref": ref, "given_name": name.given}
        if name.family is not None:
            record["family_name"] = name.family
        if with_birth_date if with_birth_date is not None else self.draws.chance(0.9):
            record["birth_date"] = person.birth_date.isoformat()
        record["sex"] = person.sex
        if person.id_document is not None:
            record["id_document"] = dict(person.id_document)
        if person.phone is not None and (not variant or self.draws.chance(0.5)):
            record["phone"] = person.phone
        if person.region is not None:
            record["region"] = person.region
        person.refs.append(ref)
        self.emit(record)
        return ref

    def another_record(self, person: Identity) -> str:
        """A second record of the same person, as another clerk writes it: only possible with a document."""
        if person.id_document is None:
            return person.ref
        return self.record(person, variant=self.draws.chance(0.7))
