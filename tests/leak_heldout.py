"""HELD-OUT leak cases: written before the detectors were tuned and never used to tune them.

The detectors' authors looked only at `tests/leak_corpus.py` (the development part) while
tuning. This file is only ever scored as a whole (bench/anonymize.py and
tests/test_anonymize.py print its figure separately). Do not tune detectors against single
failures here: add a similar case to the development part instead and tune against that.

Cases are written the way customers and agents actually write: threads with quoted history,
signatures, forwarded parts, lower case, typos, values split over lines.
"""

from __future__ import annotations

import random

from stdnum import luhn

from app.domain.anonymize import KnownEntities
from tests.leak_types import LeakCase

SV_FIRST = ["Ulla", "Göran", "Birgitta", "Stig", "Agneta", "Håkan", "Elsa", "Nils", "Ebba", "Tove"]
SV_LAST = ["Holmberg", "Sandberg", "Forsberg", "Lundgren", "Sjöberg", "Wikström", "Dahl", "Ek"]
EN_FIRST = ["Margaret", "Dorothy", "Kevin", "Brian", "Susan", "Gary", "Pamela", "Trevor"]
EN_LAST = ["Thompson", "Walker", "Harris", "Clarke", "Robinson", "Wright", "Hughes", "Cooper"]
SV_HELP = [
    "Routern startade om sig hela tiden och lampan blinkade orange.",
    "Fakturan kom två gånger och båda drogs via autogiro.",
    "Tv-boxen hittade inga kanaler efter strömavbrottet.",
    "Det gick inte att logga in på Mina sidor efter bytet av lösenord.",
]
SV_FIX = [
    "Vi bytte kanal på wifi och flyttade routern, nu är uppkopplingen stabil.",
    "Vi krediterade den dubbla dragningen, den syns på nästa faktura.",
    "En fabriksåterställning och ny kanalsökning löste det.",
    "Vi skickade en ny inloggningslänk och kontot fungerar igen.",
]
EN_HELP = [
    "The broadband keeps dropping out in the evenings and the light goes amber.",
    "I was charged twice for October and want one of them back.",
    "The set-top box says no signal since the storm last week.",
    "I can't get into my online account since I changed the password.",
]
EN_FIX = [
    "We replaced the microfilter and the line is stable again.",
    "We refunded the duplicate payment; allow three to five working days.",
    "A reset to factory settings and a fresh channel scan fixed it.",
    "We unlocked the account and the customer set a new password.",
]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _luhn_card(rng: random.Random, prefix: str = "5") -> str:
    body = prefix + _digits(rng, 15 - len(prefix))
    return body + luhn.calc_check_digit(body)


def _iban_se(rng: random.Random) -> str:
    bban = _digits(rng, 20)
    check = 98 - int(bban + "281400") % 97
    return f"SE{check:02d}{bban}"


def _swe_mobile(rng: random.Random) -> str:
    return f"07{rng.choice('02369')}{_digits(rng, 7)}"


SV_NUM = ["noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio"]
EN_NUM = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _family_cases(rng: random.Random) -> list[LeakCase]:
    """One or two sentences per case, each planting one family of value."""
    out: list[LeakCase] = []
    for i in range(90):
        first = rng.choice(SV_FIRST + EN_FIRST)
        last = rng.choice(SV_LAST + EN_LAST)
        kind = i % 30
        ordinary = rng.choice(EN_FIX + SV_FIX)
        planted: list[str] = []
        names: list[str] = []
        if kind == 0:
            card = _luhn_card(rng, "4")
            value = ".".join(card[j : j + 4] for j in range(0, 16, 4))
            cvc = _digits(rng, 3)
            text = f"the card is {value} and the cvc {cvc}, exp 08/27"
            planted = [value, f"cvc {cvc}"]
        elif kind == 1:
            value = _iban_se(rng).lower()
            value = "-".join(value[j : j + 4] for j in range(0, len(value), 4))
            text = f"refund to my iban {value} please"
            planted = [value]
        elif kind == 2:
            street = rng.choice(["drottninggatan", "sveavägen", "hantverkargatan", "ringvägen"])
            value = f"{street} {rng.randint(2, 140)}{rng.choice(['', 'a', 'c'])}"
            post = f"{rng.randint(111, 984)} {rng.randint(10, 99)}"
            text = f"skicka den nya routern till {value}, {post} {rng.choice(['solna', 'lund', 'umeå'])}"
            planted = [value, post]
        elif kind == 3:
            value = f"{rng.choice(['Götgatsbacken', 'Fjällgatan', 'Hornsbruksgatan', 'Nytorget', 'Järntorget', 'Vasaplatsen', 'Sankt Eriksplan'])} {rng.randint(1, 60)}"
            text = f"Teknikern kom till {value} men ingen öppnade."
            planted = [value]
        elif kind == 4:
            apt = f"lgh {rng.randint(1001, 1605)}"
            code = _digits(rng, 4)
            text = f"jag bor i {apt}, portkoden är {code}"
            planted = [apt, code]
        elif kind == 5:
            pc = rng.choice(["SW1A 2AA", "M14 5TQ", "EH3 9QP", "BS8 1TH", "LS6 2AB"])
            text = f"I'm at 14 Ashgrove Close, Leeds {pc} if the engineer needs it"
            planted = [pc, "14 Ashgrove Close"]
        elif kind == 6:
            zip_ = f"{rng.randint(10001, 99950)}"
            text = f"ship it to 2207 Pinecrest Dr, Austin TX {zip_}"
            planted = ["2207 Pinecrest Dr", zip_]
        elif kind == 7:
            value = f"OR-{_digits(rng, 6)}"
            text = f"Order {value} never arrived."
            planted = [value]
        elif kind == 8:
            value = _digits(rng, 6)
            text = f"mitt kundnr är {value} om ni behöver det"
            planted = [value]
        elif kind == 9:
            value = f"{rng.choice(['UA', 'RR', 'CX'])}{_digits(rng, 9)}SE"
            text = f"PostNord says parcel {value} is waiting at the ombud."
            planted = [value]
        elif kind == 10:
            user = f"{first.lower()}.{last.lower()}"
            value = f"{user} at {rng.choice(['gmail', 'telia', 'bredband'])} dot {rng.choice(['com', 'se', 'net'])}"
            text = f"write to me at {value}, not the old one"
            planted = [value, user]
        elif kind == 11:
            user = f"{first.lower()}{rng.randint(10, 99)}"
            value = f"{user}(at){rng.choice(['hotmail', 'live', 'yahoo'])}.se"
            text = f"min mejl: {value}"
            planted = [value, user]
        elif kind == 12:
            digits = _swe_mobile(rng)
            words = " ".join(SV_NUM[int(d)] for d in digits)
            text = f"ring mig på {words} efter lunch"
            planted = [words]
        elif kind == 13:
            digits = "07" + _digits(rng, 8)
            words = " ".join(EN_NUM[int(d)] for d in digits)
            text = f"call me back on {words} any time after 5"
            planted = [words]
        elif kind == 14:
            plate = rng.choice(["ABC 123", "KLM 45P", "XYZ 789", "DFG 12A", "RTY 908"])
            text = f"bilen med reg nr {plate} stod i vägen för teknikern"
            planted = [plate]
        elif kind == 15:
            mac = ":".join(f"{rng.randint(0, 255):02X}" for _ in range(6))
            text = f"The router MAC is {mac}, it shows up twice in the list."
            planted = [mac]
        elif kind == 16:
            serial = f"{rng.choice(['SN', 'S/N', 'serienr'])} {rng.choice(['ZX', 'HG', 'TC'])}{_digits(rng, 8)}"
            text = f"the box has {serial} on the sticker underneath"
            planted = [serial.split(" ", 1)[1]]
        elif kind == 17:
            value = f"minasidor.example.se/reset/{rng.randbytes(6).hex()}"
            text = f"I clicked {value} and it said expired"
            planted = [value]
        elif kind == 18:
            value = rng.choice(["Sommar2024!", "Kalle123#", "Vinter!99", "Hund4ever", "Bl0mma!"])
            text = f"my password is {value} if you need to test"
            planted = [value]
        elif kind == 19:
            value = rng.choice(["12 March 1951", "3/4/1948", "1946-11-02", "7 juni 1939"])
            text = f"född {value}" if "juni" in value else f"date of birth {value}"
            planted = [value]
        elif kind == 20:
            value = f"{rng.uniform(55, 68):.5f}, {rng.uniform(11, 20):.5f}"
            text = f"the summer house is at {value}, no street address"
            planted = [value]
        elif kind == 21:
            name = rng.choice(EN_LAST)
            hon = rng.choice(["Mrs.", "Mr", "Ms", "Dr."])
            text = f"Dear {hon} {name},\nthank you for your patience."
            names = [name]
        elif kind == 22:
            a, b = rng.sample(SV_FIRST, 2)
            text = f"Hej {a} och {b}!\nTack för att ni ringde."
            names = [a, b]
        elif kind == 23:
            text = f"Enligt {first} Karin {last} på kontoret var det fel i fakturan."
            names = [first, last]
        elif kind == 24:
            text = f"{ordinary}\n\nMvh /{first}"
            names = [first]
        elif kind == 25:
            text = f"{ordinary}\n\n— {first}"
            names = [first]
        elif kind == 26:
            tech_first = rng.choice(["Mikael", "Jonas", "Fredrik", "Anders", "Peter"])
            tech_last = rng.choice(["Berg", "Lund", "Strand", "Nyström", "Blom"])
            text = f"Our technician {tech_first} {tech_last} will come on Tuesday."
            names = [tech_first, tech_last]
        elif kind == 27:
            child = rng.choice(["Elsa", "Alice", "Wilma", "Maja", "Hugo", "Liam", "Saga"])
            text = f"your daughter {child} had already restarted the box"
            names = [child]
        elif kind == 28:
            text = f"Min granne {first} {last} har samma problem."
            names = [first, last]
        else:
            name = rng.choice(["Öberg", "Åkesson", "Lindén"])
            folded = name.replace("Ö", "O").replace("Å", "A").replace("é", "e")
            text = f"Spoke with {folded.lower()} about the bill."
            out.append(
                LeakCase(
                    text=text,
                    known=KnownEntities(names=[f"Tove {name}"]),
                    planted=[folded.lower()],
                    ordinary="",
                )
            )
            continue
        text = f"{text}\n{ordinary}"
        out.append(
            LeakCase(
                text=text,
                known=KnownEntities(names=[f"{first} {last}"]),
                planted=planted,
                names=names,
                ordinary=ordinary,
            )
        )
    return out


def _mail_cases(rng: random.Random) -> list[LeakCase]:
    """Whole support mails: replies with quoted history, signatures, forwards, typos."""
    out: list[LeakCase] = []
    for i in range(110):
        swedish = i % 2 == 0
        first = rng.choice(SV_FIRST if swedish else EN_FIRST)
        last = rng.choice(SV_LAST if swedish else EN_LAST)
        agent = rng.choice(["Jessica", "Patrik", "Camilla", "Daniel"])
        agent_last = rng.choice(["Lindberg", "Hedlund", "Fransson", "Mattsson"])
        help_text = rng.choice(SV_HELP if swedish else EN_HELP)
        fix = rng.choice(SV_FIX if swedish else EN_FIX)
        mobile = _swe_mobile(rng)
        written_mobile = rng.choice(
            [
                mobile,
                f"{mobile[:3]}-{mobile[3:6]} {mobile[6:8]} {mobile[8:]}",
                f"{mobile[:3]} {mobile[3:]}",
            ]
        )
        email = f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@{rng.choice(['gmail.com', 'telia.com', 'outlook.com'])}"
        acc = f"{rng.randint(100, 999)}-{_digits(rng, 4)}"
        order = f"{rng.choice(['ord', 'ORD', 'Order'])} {_digits(rng, 7)}"
        street = f"{rng.choice(['Hamngatan', 'Lilla Nygatan', 'Björkvägen', 'Tallbacken'])} {rng.randint(1, 40)}"
        known = KnownEntities(
            names=[f"{first} {last}", f"{agent} {agent_last}"],
            emails=[email],
            phones=["+46" + mobile[1:]],
            addresses=[f"{street}, 123 45 Ort"],
            account_numbers=[acc.replace("-", "")],
        )
        variant = i % 5
        wife = rng.choice(["Gunilla", "Lena", "Helen"])
        if variant == 0:
            text = (
                f"{'Hej' if swedish else 'Hi'} {first},\n\n{fix}\n\n"
                f"{'Med vänliga hälsningar' if swedish else 'Kind regards'}\n{agent} {agent_last}\n"
                f"{'Kundtjänst' if swedish else 'Customer Service'} | direct 08-{_digits(rng, 3)} {_digits(rng, 2)} {_digits(rng, 2)}\n\n"
                f"{'Den' if swedish else 'On'} 3 mars 2026 kl. 09:14 skrev {first.lower()} {last.lower()} <{email}>:\n"
                f"> {help_text}\n> mitt nummer {written_mobile}\n> /{first.lower()}"
            )
            planted = [email, written_mobile]
        elif variant == 1:
            text = (
                f"---------- Forwarded message ---------\nFrom: {first} {last} <{email}>\n"
                f"Date: Tue, 4 Mar 2026\nSubject: Re: {order}\n\n{help_text}\n"
                f"customer no {acc}, delivery to {street.lower()}\n\n{fix}"
            )
            planted = [email, order.split(" ")[1], acc, street.lower()]
        elif variant == 2:
            text = (
                f"hej!\n{help_text.lower()} har ringt flera ggr. mitt kontonr är {acc.replace('-', ' ')} "
                f"och tel {written_mobile}.\nmvh\n{first.lower()} {last.lower()}\n\nSkickat från min iPhone"
                if swedish
                else f"hello,\n{help_text.lower()} ive called several times. acount number {acc.replace('-', ' ')}, "
                f"mobile {written_mobile}.\nthanks\n{first.lower()}\n\nSent from my iPhone"
            )
            planted = [acc.replace("-", " "), written_mobile]
        elif variant == 3:
            text = (
                f"{fix}\n\n{agent}\n\n-----Original Message-----\nFrom: {email}\n"
                f"Sent: den 2 mars 2026 18:40\n\n{help_text} My wife {wife} "
                f"set it up. Our address is {street}, {rng.randint(111, 984)} {rng.randint(10, 99)} Nacka.\n{first}"
            )
            planted = [email, street]
        else:
            token = rng.randbytes(5).hex()
            text = (
                f"{'Hej igen' if swedish else 'Hello again'} {first}!\n\n{fix} "
                f"{'Du kan följa ärendet på' if swedish else 'You can follow it at'} "
                f"track.example.com/t/{token}\n\n/{agent}\n\n"
                f"> {help_text}\n> Best, {first} {last}\n> {written_mobile}"
            )
            planted = [f"track.example.com/t/{token}", written_mobile]
        out.append(
            LeakCase(
                text=text,
                known=known,
                planted=planted,
                names=[first, last, agent, agent_last] + ([wife] if variant == 3 else []),
                ordinary=fix,
                mail=True,
            )
        )
    return out


def build_heldout(seed: int = 4242) -> list[LeakCase]:
    rng = random.Random(seed)
    return _family_cases(rng) + _mail_cases(rng)
