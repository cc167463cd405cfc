"""A synthetic leak corpus: resolutions with personal data planted in many written forms.

Deterministic (seeded), so a failure names the exact case. Each case records every planted
value; the test asserts that none of them survives anonymization.
"""

from __future__ import annotations

import random

from stdnum import luhn

from app.domain.anonymize import KnownEntities
from tests.leak_types import LeakCase

FIRST = [
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Johan",
    "Ingrid",
    "Olof",
    "Sofia",
    "Mohammed",
    "Fatima",
    "James",
    "Linda",
    "Robert",
    "Patricia",
    "Åsa",
    "Björn",
    "Märta",
    "Sven",
    "Elin",
]
LAST = [
    "Berg",
    "Lindqvist",
    "Johansson",
    "Nilsson",
    "Karlsson",
    "Andersson",
    "Smith",
    "Johnson",
    "Williams",
    "Öberg",
    "Åström",
    "Hussein",
    "Svensson",
    "Persson",
    "Eklund",
    "Brown",
]
STREETS = ["Storgatan", "Kungsvägen", "Björkstigen", "Ekgränd", "Strandvägen", "Skolgatan"]
EN_STREETS = ["Baker Street", "Main Street", "Oak Avenue", "Elm Road", "Maple Lane"]
CITIES = ["Stockholm", "Uppsala", "Malmö", "Göteborg", "Luleå"]
DOMAINS = ["gmail.com", "hotmail.se", "telia.com", "outlook.com", "example.org"]

PROBLEMS = [
    "The router lost the connection every evening around eight and the light turned red.",
    "The TV box showed a black screen after the update and the remote did nothing.",
    "The invoice for March was charged twice from the bank account.",
    "I could not log in to my account after changing the password.",
    "The phone line had a crackling noise and calls dropped after a minute.",
    "The wifi was very slow in the bedroom but fine in the kitchen.",
]
FIXES = [
    "We restarted the router remotely and replaced the power adapter; the connection is stable.",
    "A factory reset of the box and a new channel scan brought the picture back.",
    "We refunded the double charge; it shows on the next statement.",
    "We reset the password and explained how to use the new login page.",
    "A technician replaced the wall socket filter; calls are clear now.",
    "We moved the router higher up and changed the wifi channel to 11.",
]


def _personnummer(rng: random.Random) -> str:
    year = rng.randint(1930, 2005)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    serial = rng.randint(100, 999)
    base = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
    check = luhn.calc_check_digit(base)
    long_form = f"{year // 100}{base}{check}"
    short = f"{base}{check}"
    style = rng.choice(["long-dash", "short-dash", "long", "short"])
    return {
        "long-dash": f"{long_form[:8]}-{long_form[8:]}",
        "short-dash": f"{short[:6]}-{short[6:]}",
        "long": long_form,
        "short": short,
    }[style]


def _card(rng: random.Random) -> str:
    body = "4" + "".join(str(rng.randint(0, 9)) for _ in range(14))
    number = body + luhn.calc_check_digit(body)
    sep = rng.choice([" ", "-", ""])
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def _iban(rng: random.Random) -> str:
    bban = "".join(str(rng.randint(0, 9)) for _ in range(20))
    numeric = int(bban + "281400")  # "SE" = 28 14, check digits 00
    check = 98 - numeric % 97
    compact = f"SE{check:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact


def _phone(rng: random.Random) -> tuple[str, str]:
    """(as written in the text, E.164 on file)."""
    subscriber = f"{rng.randint(0, 9)}{rng.randint(1000000, 9999999)}"
    mobile = f"7{subscriber[:8]}"
    e164 = f"+46{mobile}"
    written = rng.choice(
        [
            f"+46 {mobile[:2]} {mobile[2:5]} {mobile[5:7]} {mobile[7:]}",
            f"0046{mobile}",
            f"0{mobile[:2]}-{mobile[2:5]} {mobile[5:7]} {mobile[7:]}",
            f"0{mobile}",
            f"+46{mobile}",
            f"0{mobile[:2]}-{mobile[2:]}",
        ]
    )
    return written, e164


def _us_phone(rng: random.Random) -> str:
    area, mid, last = rng.randint(201, 989), rng.randint(200, 999), rng.randint(1000, 9999)
    return rng.choice([f"({area}) {mid}-{last}", f"+1 {area} {mid} {last}", f"{area}.{mid}.{last}"])


def build_corpus(size: int = 320, seed: int = 20261125) -> list[LeakCase]:
    rng = random.Random(seed)
    cases = []
    for _n in range(size):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        agent_first, agent_last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first.lower().replace('å', 'a').replace('ö', 'o').replace('ä', 'a')}.{last.lower().replace('ö', 'o').replace('å', 'a')}"
        if rng.random() < 0.5:
            email += f"+{rng.choice(['tv', 'bank', 'help'])}"
        email += f"@{rng.choice(DOMAINS)}"
        written_phone, e164 = _phone(rng)
        us_phone = _us_phone(rng)
        pnr, card, iban_value = _personnummer(rng), _card(rng), _iban(rng)
        street = f"{rng.choice(STREETS)} {rng.randint(1, 120)}{rng.choice(['', 'B'])}"
        postcode = f"{rng.randint(100, 989)} {rng.randint(10, 99)}"
        city = rng.choice(CITIES)
        en_address = f"{rng.randint(1, 999)} {rng.choice(EN_STREETS)}"
        account = f"AC-{rng.randint(100000, 999999)}"
        ref = f"HD-{rng.randint(100000, 999999)}"
        ip = f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        token_url = f"https://portal.example.net/reset?token={rng.randbytes(8).hex()}"
        problem, fix = rng.choice(PROBLEMS), rng.choice(FIXES)
        name_forms = [f"{first} {last}", first.lower(), f"{first}'s", last.upper(), f"{last}s"]
        pieces = [
            f"{rng.choice(['Hi', 'Hello', 'Hej', 'Dear'])} {agent_first},",
            problem,
            f"My name is {rng.choice(name_forms)} and you can reach me on {written_phone}.",
            rng.choice([f"Email: {email}", f"write to {email} please"]),
            f"I live at {street}, {postcode} {city}."
            if rng.random() < 0.6
            else f"Address: {en_address}.",
            rng.choice([f"Personnummer {pnr}.", f"my ID is {pnr}"]),
            rng.choice([f"I paid with card {card}.", f"IBAN {iban_value}", f"account {account}"]),
            rng.choice(
                [f"Ticket {ref}", f"see {token_url}", f"my IP is {ip}", f"or call {us_phone}"]
            ),
            f"Agent note: {fix} {agent_first} {agent_last} helped {first}.",
            rng.choice([f"Best regards,\n{first} {last}", f"Mvh {first}", f"Thanks!\n{first}"]),
        ]
        rng.shuffle(pieces[2:8])
        text = "\n".join(pieces)
        planted = [
            email,
            written_phone,
            pnr,
            card,
            iban_value,
            street,
            account,
            ref,
            ip,
            token_url,
            us_phone,
            en_address,
        ]
        planted = [p for p in planted if p in text]
        cases.append(
            LeakCase(
                text=text,
                known=KnownEntities(
                    names=[f"{first} {last}", f"{agent_first} {agent_last}"],
                    emails=[email],
                    phones=[e164],
                    addresses=[f"{street}, {postcode} {city}"],
                    account_numbers=[account],
                ),
                planted=planted,
                names=[first, last, agent_first, agent_last],
                ordinary=f"{problem} {fix}",
            )
        )
    return cases
