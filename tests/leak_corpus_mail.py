"""Development leak cases for the families an outside tester found leaking, and whole mails.

Part of the DEVELOPMENT corpus (detectors may be tuned against it). The held-out part is
`tests/leak_heldout.py`, written before tuning and scored only as a whole.
"""

from __future__ import annotations

import random

from stdnum import luhn

from app.domain.anonymize import KnownEntities
from tests.leak_types import LeakCase

FIRST = ["Lena", "Per", "Kerstin", "Mats", "Eva", "Lasse", "Jonas", "Annika", "Ida", "Oskar"]
LAST = ["Strand", "Holm", "Lindström", "Bergqvist", "Nyberg", "Jakobsson", "Ström", "Öhman"]
EN_FIRST = ["Paul", "Janet", "Steven", "Carol", "Derek", "Helen", "Graham", "Wendy"]
EN_LAST = ["Bennett", "Morgan", "Fletcher", "Turner", "Palmer", "Parker", "Bailey", "Bell"]
HELP = [
    "Wifi:n tappar anslutningen varje kväll runt nio.",
    "The printer says offline even though it is connected to the wifi.",
    "Jag fick en påminnelse fast fakturan redan är betald.",
    "The voicemail greeting is in the wrong language.",
    "Bredbandet är jättelångsamt sedan i måndags.",
    "My new SIM card does not work in the old phone.",
]
FIX = [
    "Starta om routern genom att dra ur sladden i trettio sekunder.",
    "We reinstalled the printer driver and added the printer again by its name.",
    "Vi tog bort påminnelseavgiften och betalningen är registrerad.",
    "Change the greeting language under Settings, then Voicemail.",
    "Vi bytte port i växeln och hastigheten är tillbaka på 100 Mbit/s.",
    "The SIM needed activating; it works after a restart of the phone.",
]
SV_NUM = ["noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio"]
EN_NUM = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _d(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _card(rng: random.Random) -> str:
    body = "5" + _d(rng, 14)
    return body + luhn.calc_check_digit(body)


def _iban(rng: random.Random) -> str:
    bban = _d(rng, 20)
    return f"SE{98 - int(bban + '281400') % 97:02d}{bban}"


def _families(rng: random.Random) -> list[LeakCase]:
    out: list[LeakCase] = []
    for i in range(180):
        first, last = rng.choice(FIRST + EN_FIRST), rng.choice(LAST + EN_LAST)
        fix = rng.choice(FIX)
        names: list[str] = []
        planted: list[str] = []
        k = i % 36
        if k == 0:
            c = _card(rng)
            v = f"{c[:4]}.{c[4:8]}.{c[8:12]}.{c[12:]}"
            cvc = _d(rng, 3)
            text = f"Kortnummer {v}, CVC {cvc}."
            planted = [v, cvc]
        elif k == 1:
            v = _iban(rng).lower()
            v = "-".join(v[j : j + 4] for j in range(0, len(v), 4))
            text = f"pengarna ska till {v}"
            planted = [v]
        elif k == 2:
            v = f"storgatan {rng.randint(1, 80)}b"
            pc = f"{rng.randint(111, 989)}{_d(rng, 2)}"
            text = f"adressen är {v}, {pc} stockholm"
            planted = [v, pc]
        elif k == 3:
            v = rng.choice(["Norr Mälarstrand", "Medborgarplatsen", "Kungsholmstorg", "Stortorget"])
            v = f"{v} {rng.randint(1, 90)}"
            text = f"Leverans till {v} på fredag."
            planted = [v]
        elif k == 4:
            v = f"lgh {rng.randint(1001, 1403)}"
            text = f"Det gäller {v} på tredje våningen."
            planted = [v]
        elif k == 5:
            v = _d(rng, 4)
            text = f"Door code {v}, then the second floor."
            planted = [v]
        elif k == 6:
            v = rng.choice(["NW1 6XE", "G12 8QQ", "CF10 3AT", "B15 2TT"])
            text = f"Post it to 7 Kings Road, London {v}."
            planted = [v]
        elif k == 7:
            v = f"{rng.randint(10000, 99999)}-{_d(rng, 4)}"
            text = f"My ZIP is {v}."
            planted = [v]
        elif k == 8:
            v = f"OR-{_d(rng, 6)}"
            text = f"Gäller beställning {v}."
            planted = [v]
        elif k == 9:
            v = _d(rng, 6)
            text = f"kundnummer {v}"
            planted = [v]
        elif k == 10:
            v = f"UA{_d(rng, 9)}SE"
            text = f"Paketet {v} har inte kommit."
            planted = [v]
        elif k == 11:
            v = f"{first.lower()} at example dot com"
            text = f"mail me: {v}"
            planted = [v]
        elif k == 12:
            v = f"{first.lower()}(at)example.se"
            text = f"skriv till {v}"
            planted = [v]
        elif k == 13:
            digits = "070" + _d(rng, 7)
            v = " ".join(SV_NUM[int(x)] for x in digits)
            text = f"mitt nummer är {v}"
            planted = [v]
        elif k == 14:
            digits = "07" + _d(rng, 8)
            v = " ".join(EN_NUM[int(x)] for x in digits)
            text = f"my number is {v}"
            planted = [v]
        elif k == 15:
            v = rng.choice(["ABC 123", "JKL 98X", "MNO 456", "PQR 77B"])
            text = f"the car {v} blocks the cabinet"
            planted = [v]
        elif k == 16:
            v = "-".join(f"{rng.randint(0, 255):02x}" for _ in range(6))
            text = f"mac address {v}"
            planted = [v]
        elif k == 17:
            v = f"ZX{_d(rng, 9)}"
            text = f"Serial number: {v}"
            planted = [v]
        elif k == 18:
            v = f"example.com/r/{rng.randbytes(4).hex()}"
            text = f"use the link {v}"
            planted = [v]
        elif k == 19:
            v = rng.choice(["Sommar2024!", "Hejsan123", "Qwerty!7", "Katten#2020"])
            text = f"lösenordet är {v}"
            planted = [v]
        elif k == 20:
            v = rng.choice(["1956-04-12", "12/03/1944", "4 May 1950", "2 april 1938"])
            text = f"DOB {v}" if i % 2 else f"födelsedatum {v}"
            planted = [v]
        elif k == 21:
            v = f"{rng.uniform(55, 68):.4f}° N, {rng.uniform(11, 20):.4f}° E"
            text = f"Stugan ligger vid {v}."
            planted = [v]
        elif k == 22:
            v = rng.choice(EN_LAST)
            text = f"Dear Mrs. {v},"
            names = [v]
        elif k == 23:
            a, b = rng.sample(FIRST, 2)
            text = f"Hej {a} och {b},"
            names = [a, b]
        elif k == 24:
            text = "Anna Karin Lind ringde igen om samma sak."
            names = ["Anna", "Karin", "Lind"]
        elif k == 25:
            n = rng.choice(["Lasse", "Kalle", "Pelle"])
            text = f"{fix}\nMvh /{n}"
            names = [n]
        elif k == 26:
            n = rng.choice(["Jonas", "Tomas", "Fredrik"])
            text = f"{fix}\n— {n}"
            names = [n]
        elif k == 27:
            text = "our technician Mikael Berg replaced the socket"
            names = ["Mikael", "Berg"]
        elif k == 28:
            n = rng.choice(["Elsa", "Alva", "Vera", "Noah"])
            text = f"your daughter {n} called us"
            names = [n]
        elif k == 29:
            text = "Talked to Dr. Lindgren about it."
            names = ["Lindgren"]
        elif k == 30:
            out.append(
                LeakCase(
                    text="kontot acc 100234 är spärrat",
                    known=KnownEntities(account_numbers=["ACC-100234"]),
                    planted=["acc 100234", "100234"],
                )
            )
            continue
        elif k == 31:
            out.append(
                LeakCase(
                    text="Jag pratade med Oberg i telefon.",
                    known=KnownEntities(names=["Maja Öberg"]),
                    planted=["Oberg"],
                )
            )
            continue
        elif k == 32:
            v = f"192.168.{rng.randint(0, 9)}.{rng.randint(2, 250)}"
            v2 = f"{rng.randint(11, 99)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 250)}"
            text = f"Public IP {v2}"
            planted = [v2]
            del v
        elif k == 33:
            v = f"kund-id {_d(rng, 8)}"
            text = f"Mitt {v}."
            planted = [v.split(" ")[1]]
        elif k == 34:
            v = f"{_d(rng, 2)} {_d(rng, 3)} {_d(rng, 2)} {_d(rng, 2)}"
            text = f"ring {first} på 08-{v[:6]}"
            planted = [v[:6]]
            names = [first]
        else:
            v = f"#{_d(rng, 8)}"
            text = f"Your order {v} has shipped."
            planted = [v]
        out.append(
            LeakCase(
                text=f"{text}\n{fix}",
                known=KnownEntities(names=[f"{first} {last}"]),
                planted=planted,
                names=names,
                ordinary=fix,
            )
        )
    return out


def _mails(rng: random.Random) -> list[LeakCase]:
    out: list[LeakCase] = []
    for i in range(100):
        sv = i % 3 != 0
        first = rng.choice(FIRST if sv else EN_FIRST)
        last = rng.choice(LAST if sv else EN_LAST)
        agent, agent_last = rng.choice(["Sara", "Emil", "Louise"]), rng.choice(["Ek", "Falk"])
        helpq, fix = rng.choice(HELP), rng.choice(FIX)
        phone = "07" + rng.choice("023") + _d(rng, 7)
        pw = f"{phone[:3]} {phone[3:6]} {phone[6:8]} {phone[8:]}"
        email = f"{first[0].lower()}{last.lower()}@{rng.choice(['bahnhof.se', 'yahoo.com'])}"
        kund = _d(rng, 7)
        known = KnownEntities(
            names=[f"{first} {last}", f"{agent} {agent_last}"],
            emails=[email],
            phones=["+46" + phone[1:]],
            account_numbers=[kund],
        )
        v = i % 4
        neighbour = rng.choice(["Gösta", "Roger", "Yvonne"])
        if v == 0:
            text = (
                f"Hej {first}!\n\n{fix}\n\nHa en fin dag!\n{agent}\nSupport\n\n"
                f"----- Ursprungligt meddelande -----\nFrån: {first} {last} <{email}>\n"
                f"Ämne: Sv: problem\n\n{helpq} Kundnr {kund}. Ring {pw}.\n{first}"
            )
            planted = [email, kund, pw]
        elif v == 1:
            text = (
                f"hi\n{helpq.lower()} pls call me {pw.replace(' ', '')}\n"
                f"{first.lower()}\n\nOn Mon, 2 Mar 2026 at 10:02, Support <support@example.com> wrote:\n"
                f"> Dear {first},\n> we need your customer number.\n> Regards, {agent}"
            )
            planted = [pw.replace(" ", "")]
        elif v == 2:
            text = (
                f"{fix}\n\nBest wishes,\n{agent} {agent_last}\nSupport team\n\n"
                f"From: {first.lower()}.{last.lower()}@gmail.com\n> {helpq}\n> my neighbour "
                f"{neighbour} has the same router"
            )
            planted = [f"{first.lower()}.{last.lower()}@gmail.com"]
        else:
            text = (
                f"Tack {first.lower()}, {fix.lower()} Vi hörs!\n//{agent}\n\n"
                f"Den tis 3 mars skrev {first} {last}:\n> {helpq} mitt kundnummer är {kund} "
                f"och jag bor på {rng.choice(['vallgatan', 'parkvägen'])} {rng.randint(1, 30)}"
            )
            planted = [kund]
        out.append(
            LeakCase(
                text=text,
                known=known,
                planted=planted,
                names=[first, last, agent, agent_last] + ([neighbour] if v == 2 else []),
                ordinary=fix,
                mail=True,
            )
        )
    return out


def build_dev_extra(seed: int = 777) -> list[LeakCase]:
    rng = random.Random(seed)
    return _families(rng) + _mails(rng)
