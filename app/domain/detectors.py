"""The wider deny-list: detectors for what an outside tester found slipping through.

Each detector returns (start, end, kind, source) tuples in the ORIGINAL text; the anonymizer
merges them with its own. Kinds map to typed placeholders in `anonymize.PLACEHOLDERS`.
Names use real name lists (`lexicon`), never a list typed here; the short word lists below
are context words (what people write before a value), months and greetings.
"""

from __future__ import annotations

import re

from stdnum import iban, luhn

from app.domain import lexicon


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class Keyed:
    """A context regex tried only where one of its key words starts, instead of at every
    position: Python's re engine has no fast skip for a long alternation of words, and
    scanning every text once per context family cost most of the anonymizer's time."""

    def __init__(self, pattern: re.Pattern, keys: str) -> None:
        self.pattern = pattern
        words = keys.split()
        self.exact = frozenset(w for w in words if not w.endswith("*"))
        self.prefixes = tuple(w[:-1] for w in words if w.endswith("*"))

    def finditer(self, text: str):
        end = -1
        for start, word in _word_index(text):
            if start < end or not (word in self.exact or word.startswith(self.prefixes)):
                continue
            m = self.pattern.match(text, start)
            if m is not None:
                end = m.end()
                yield m


_LETTERS = re.compile(r"[^\W\d_]+")
_index_cache: list = [None, ()]


def _word_index(text: str) -> tuple[tuple[int, str], ...]:
    """(start, lower-case word) of every run of letters; the last text's index is kept."""
    if _index_cache[0] is not text:
        _index_cache[0] = text
        _index_cache[1] = tuple((m.start(), m.group().lower()) for m in _LETTERS.finditer(text))
    return _index_cache[1]


Found = tuple[int, int, str, str]

_CARD_LOOSE = re.compile(r"(?<![\d.])\d{4}(?:[ .\-/]?\d{4}){2}[ .\-/]?\d{1,7}(?![\d])")
_CVC = Keyed(
    re.compile(
        r"\b(?:cvc|cvv|cvc2|cv2|security code|säkerhetskod|kontrollsiffror)\s*(?:nr|code|kod)?"
        r"\s*(?:is|är|[:=])?\s*(\d{3,4})\b",
        re.IGNORECASE,
    ),
    "cvc cvv cvc2 cv2 security säkerhetskod kontrollsiffror",
)
_EXPIRY = Keyed(
    re.compile(
        r"\b(?:exp(?:iry|ires)?|giltigt till|utg(?:år|ångsdatum)?|valid thru)\.?\s*:?\s*"
        r"(\d{1,2}\s?/\s?\d{2,4})",
        re.IGNORECASE,
    ),
    "exp expiry expires giltigt utg utgår utgångsdatum valid",
)
_IBAN_LOOSE = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){10,32}\b")
_BANK_CONTEXT = Keyed(
    re.compile(
        r"\b(?:clearing(?:nummer|nr)?|kontonummer|kontonr|bankkonto|bank account|account number|"
        r"acc(?:ount)?\.? no\.?|sort code|routing number|bankgiro|plusgiro|bg|pg)\b\.?\s*"
        r"(?:is|är|[:=#])?\s*((?:\d[\d \-.]{2,22}\d))",
        re.IGNORECASE,
    ),
    "clearing* kontonummer kontonr bankkonto bank account acc sort routing bankgiro plusgiro bg pg",
)

_STREET_WORDS = (
    r"gatan|gata|vägen|väg|gränd|gränden|stigen|allén|allé|torget|torg|backen|backe|plan|"
    r"leden|platsen|plats|strand|stranden|liden|slingan|ringen|kajen|parken|hagen|höjden|"
    r"udden|vägg|esplanaden|promenaden|bron|tråd|lid"
)
_STREET_ENDINGS = tuple(_STREET_WORDS.split("|"))
_WORD_NUMBER = re.compile(
    r"\b([^\W\d_]{4,})\s+\d{1,4}(?:\s?[A-Za-z](?![^\W\d_]))?"
    r"(?:\s*,?\s*(?i:lgh|lägenhet|vån(?:ing)?\.?|tr\.?)\s*\d{1,4})?"
)
_STREET_PREFIX = re.compile(
    r"(?i:\b(?:norra|södra|östra|västra|lilla|stora|gamla|nya|norr|söder|sankt|s:t)\s+)\Z"
)
_STREET_EN = re.compile(
    r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Za-z][a-z'’]+\s){1,3}(?i:street|st|road|rd|avenue|ave|"
    r"lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|close|crescent|cres|gardens|"
    r"terrace|grove|hill|square|sq|row|mews|parkway|pkwy|circle|cir|highway|hwy|trail)\b\.?"
)
# A capitalised place name and a house number after words that introduce an address.
_ADDRESS_CONTEXT = Keyed(
    re.compile(
        r"(?i:\b(?:till|på|vid|bor på|bor i|adress(?:en)?(?: är)?|address(?: is)?|at|to|"
        r"delivered to|deliver to|leverans till|skicka till|flyttat till|moved to)\s+)"
        r"((?:[A-ZÅÄÖ][\wåäöéü'’-]+\s+){1,3}\d{1,4}(?:\s?[A-Za-z](?![\w]))?)(?=[\s,.;:!?)]|$)"
    ),
    "till på vid bor adress adressen address at to delivered deliver leverans skicka flyttat moved",
)
_APARTMENT = Keyed(
    re.compile(
        r"\b(?:lgh|lägenhet(?:snummer|snr)?|apt|apartment|flat|unit|vån(?:ing|ingen)?|floor)"
        r"\.?\s*(?:nr\.?|no\.?|number|#)?\s*\d{1,5}\b",
        re.IGNORECASE,
    ),
    "lgh lägenhet* apt apartment flat unit vån våning våningen floor",
)
_SE_POSTCODE = re.compile(
    r"(?<![\d\-])([1-9]\d{2}\s?\d{2})(?![\d\-])(?=,?\s+[A-Za-zÅÄÖåäö]{2,})|"
    r"(?<=,\s)([1-9]\d{2}\s?\d{2})(?!\d)|\b(?:SE-|S-)([1-9]\d{2}\s?\d{2})\b"
)
_UK_POSTCODE = re.compile(
    r"\b(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[a-z]{1,2}\d[a-z\d]?\s\d[a-z]{2})\b"
)
_US_ZIP = Keyed(
    re.compile(
        r"(?i:zip(?: code)?|zipcode|postcode|post code|postnummer|postnr)\.?:?\s+"
        r"(\d{5}(?:-\d{4})?)\b"
    ),
    "zip zipcode postcode post postnummer postnr",
)
_STATE_ZIP = re.compile(r"\b[A-Z]{2}\s+(\d{5}(?:-\d{4})?)\b|\b(\d{5}-\d{4})\b")
_FIVE_DIGITS = re.compile(r"\d{5}")
_DOOR = Keyed(
    re.compile(
        r"\b(?:port|door|dörr|entré|entry|gate|grind|trappuppgång|building|hus|alarm|larm)"
        r"[\s-]*(?:kod|koden|code|pin)\w*\s*(?:is|är|[:=])?\s*([0-9A-Za-z#*]{3,8})\b",
        re.IGNORECASE,
    ),
    "port* door* dörr* entré entry gate* grind* trappuppgång* building* hus* alarm* larm*",
)
_SECRET_CONTEXT = Keyed(
    re.compile(
        r"\b(?:password|passwd|pwd|passcode|passphrase|lösenord(?:et)?|lösen|pin(?:[\s-]?kod(?:en)?)?|"
        r"pin[\s-]?code|puk(?:[\s-]?kod(?:en)?)?|wifi[\s-]?(?:key|password|lösenord)|"
        r"(?:engångs|verifierings|verification |security |säkerhets|aktiverings|activation )"
        r"(?:kod(?:en)?|code))\b"
        r"(?:\s+(?:is|är|was|var|blev|became|set to|satt till|now|nu))*\s*[:=]?\s*"
        r"[\"'“”‘’]?([^\s\"'“”‘’]{3,40})",
        re.IGNORECASE,
    ),
    "password* passwd pwd passcode passphrase lösenord* lösen pin* puk* wifi* engångs* "
    "verifierings* verification security säkerhets* aktiverings* activation",
)
_SECRET_SHAPE = re.compile(
    r"(?<![\w@/])(?=[\wåäöÅÄÖ!#%&*?$@+^-]*\d)(?=[\wåäöÅÄÖ!#%&*?$@+^-]*[A-Za-zåäöÅÄÖ])"
    r"(?:[A-ZÅÄÖ][a-zåäö]{2,}\d{2,}[!#%&*?$@]*|"
    r"(?=[\wåäöÅÄÖ!#%&*?$@+^-]*[!#%&*?$@^])[\wåäöÅÄÖ!#%&*?$@+^-]{6,})(?![\w@])"
)
_CONTEXT_NUMBER = Keyed(
    re.compile(
        r"(?i:\b(?:order|ordernr|ordernummer|order number|order no|orderid|"
        r"beställning(?:snummer|snr)?|"
        r"best\.?nr|kund(?:nummer|nr|-?id)|kund id|customer(?: no| number| id| nr|-id)?|cust\.? no|"
        r"account|acount|acct|acc|konto(?:nummer|nr)?|kontonr|medlemsnummer|"
        r"member(?:ship)? (?:no|number)|"
        r"case|ärende(?:nummer|nr)?|referens(?:nummer)?|reference|ref|invoice|faktura(?:nummer|nr)?|"
        r"ocr(?:-nummer)?|avtal(?:snummer|snr)?|contract|abonnemang(?:snummer)?|subscription|"
        r"parcel|paket(?:et)?|package|shipment|tracking|spårnings(?:nummer|id)|kolli(?:-id|nummer)?|"
        r"sändning(?:snummer|s-id)?|försändelse(?:-id)?|consignment|booking|bokning(?:snummer)?|"
        r"serial|serie(?:nummer|nr)|s/n|sn|imei|iccid|device id|enhets-id|licens(?:nyckel)?|"
        r"license key|product key|voucher|kupong|claim|claim number|skadenummer|policy|försäkring)"
        r"(?:\s*(?:number|nummer|nr|no|id|#|code|kod))?\.?\s*(?:is|är|was|var|[:=#])?\s*)"
        r"(#?(?:[A-Za-z]{1,4}-?)?\d[\d\-/.]*(?:\s\d{2,})*(?:[A-Za-z]{1,3}\b)?|#\d{3,})"
    ),
    "order* beställning* best bestnr kund* customer* cust account* acount acct acc konto* "
    "medlem* member* case "
    "ärende* referens* reference ref invoice* faktura* ocr avtal* contract* abonnemang* "
    "subscription* parcel* paket* package* shipment* tracking* spårnings* kolli* sändning* "
    "försändelse* consignment* booking* bokning* serial* serie* s sn imei iccid device enhets "
    "licens* license product voucher* kupong* claim* skade* policy* försäkring*",
)
_ID_SHAPE = re.compile(
    r"\b(?:[A-Za-z]{2}\d{9}[A-Za-z]{2}|[A-Z]{2,5}-\d{4,}[A-Z]?|(?=[A-Z0-9]*\d{4})"
    r"(?=[A-Z0-9]*[A-Z]{2})[A-Z0-9]{8,})\b|#\d{5,}\b|\b\d{6,}\b"
)
_DIGIT_TOKEN = re.compile(r"(?<![\w#-])#?[\w-]*?\d[\w-]*")
_HEX_ID = re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{10,}\b")
_MAC = re.compile(
    r"\b(?:[0-9A-Fa-f]{2}[:\-]){5}[0-9A-Fa-f]{2}\b|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b"
)
_PLATE = re.compile(
    r"\b(?!(?:TCP|UDP|USB|DNS|SSD|HDD|RAM|LAN|WAN|DSL|ADSL|VDSL|SIM|PIN|PUK|ISO|MAC|DVB|HDR|"
    r"LTE|GPS|APN|NAT|VPN|SMS|MMS|CPU|GPU|WPS|WPA|LED|RGB|HDMI|IOS|OCR|VAT|CVC|CVV|PIN|NFC)\b)"
    r"[A-Z]{3}\s?\d{2}[A-Z0-9]\b"
)
_PLATE_CONTEXT = Keyed(
    re.compile(
        r"\b(?:reg(?:istrerings)?(?:\.|nummer|nr|-nr|\. nr)?|regnr|number plate|licen[cs]e plate|"
        r"plate|bil(?:en)?|car)\s*(?:nr|no|number)?\.?\s*(?:is|är|[:=])?\s*"
        r"([A-Za-z]{3}\s?\d{2}[A-Za-z0-9])\b",
        re.IGNORECASE,
    ),
    "reg* regnr number plate licence license bil bilen car",
)
_BARE_URL = re.compile(
    r"\b(?<![@\w.])(?:[a-z0-9][a-z0-9-]*\.)+(?:com|se|net|org|nu|io|co|uk|de|eu|info|app|ly|me|"
    r"to|gl|link|page|site|online|shop|cloud|dev|fi|no|dk)(?::\d+)?/[^\s<>\"')\]]*",
    re.IGNORECASE,
)
_SHORTENERS = re.compile(r"^(?:bit\.ly|t\.co|goo\.gl|tinyurl\.com|ow\.ly|is\.gd|buff\.ly)/", re.I)
_OBFUSCATED_EMAIL = re.compile(
    r"(?i:\b[\w.+-]{1,64}\s*(?:\(at\)|\[at\]|\{at\}|<at>|\(a\)|\s+at\s+|\s+snabel-?a\s+|"
    r"\s*@\s+|\s+@\s*)[\w-]{1,63}(?:\s*(?:\.|\(dot\)|\[dot\]|\{dot\}|\(punkt\)|\s+dot\s+|"
    r"\s+punkt\s+)\s*[\w-]{1,63})*\s*(?:\.|\(dot\)|\[dot\]|\{dot\}|\(punkt\)|\s+dot\s+|"
    r"\s+punkt\s+)\s*(?:com|se|net|org|nu|io|co|uk|de|eu|info|fi|no|dk|edu|gov|me)\b)"
)
_DIGIT_WORDS = (
    r"noll|nolla|ett|en|etta|två|tvåa|tre|trea|fyra|fyra|fem|femma|sex|sexa|sju|sjua|åtta|åtta|"
    r"nio|nia|tio|elva|tolv|zero|oh|o|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|double|triple|dubbel"
)
_PHONE_WORDS = re.compile(
    r"(?i:\b(?:(?:plus\s+)?(?:" + _DIGIT_WORDS + r")(?:[\s,\-–]+|$)){6,}(?:" + _DIGIT_WORDS + r")?)"
)
_DATE_NUMERIC = re.compile(
    r"\b(?:(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])|"
    r"(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)?\d{2})\b"
)
_MONTHS = (
    r"jan(?:uary|uari)?|feb(?:ruary|ruari)?|mar(?:ch|s)?|apr(?:il)?|maj|may|jun(?:e|i)?|"
    r"jul(?:y|i)?|aug(?:ust|usti)?|sep(?:t|tember)?|okt(?:ober)?|oct(?:ober)?|nov(?:ember)?|"
    r"dec(?:ember)?"
)
_DATE_WORDS = re.compile(
    r"(?i:\b(?:\d{1,2}(?:st|nd|rd|th|:e|:a)?\s+(?:of\s+)?(?:" + _MONTHS + r")\.?,?\s+\d{4}|"
    r"(?:" + _MONTHS + r")\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})\b)"
)
_BIRTH_CONTEXT = re.compile(
    r"\b(?:född|födelsedatum|födelsedag|date of birth|birth date|birthdate|dob|d\.o\.b\.|"
    r"born(?: on)?|birthday|f\.)\s*:?\s*",
    re.IGNORECASE,
)
_COORDINATES = re.compile(
    r"-?\d{1,3}\.\d{3,}\s*°?\s*[NSns]?\s*[,;/ ]\s*-?\d{1,3}\.\d{3,}\s*°?\s*[EWOewo]?\b|"
    r"\d{1,3}°\s*\d{1,2}['′]\s*(?:\d{1,2}(?:[.,]\d+)?[\"″]\s*)?[NSns]?[,\s]+\d{1,3}°\s*\d{1,2}"
    r"['′]\s*(?:\d{1,2}(?:[.,]\d+)?[\"″]\s*)?[EWOewo]?"
)
_DECIMAL3 = re.compile(r"\d\.\d{3}")
_OBFUSCATION_HINT = re.compile(
    r"(?i)\(at\)|\[at\]|\{at\}|<at>|\(a\)|snabel|\s@|@\s|\bat\s+[\w-]+\s*(?:\.\w|dot\b|punkt\b)"
)
_DIGIT_WORD_SET = frozenset(_DIGIT_WORDS.split("|"))
_HONORIFIC = Keyed(
    re.compile(
        r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam|Herr|Fru|Fröken|Doktor|Mister)\.?\s+"
        r"((?:[A-ZÅÄÖ][\w'’-]+)(?:\s+[A-ZÅÄÖ][\w'’-]+)?)"
    ),
    "mr mrs ms miss mx dr prof sir madam herr fru fröken doktor mister",
)
_NAME_WORD = r"[A-Za-zÅÄÖåäöéüÉÜ][\w'’-]*"
_GREETING = re.compile(
    r"(?im:^[ \t>]*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hej|hejsan|hallå|"
    r"god (?:morgon|dag|kväll|middag)|kära|bästa|tjena|tja|morsning|hej hej|hello again|"
    r"hej igen)[ \t,]+((?:" + _NAME_WORD + r")(?:(?:[ \t]*(?:,|&|\+|och|and|o)[ \t]*|[ \t]+)"
    r"(?:" + _NAME_WORD + r")){0,5}))"
)
_CLOSING = re.compile(
    r"(?im:^[ \t>]*(?:best(?: regards| wishes)?|kind regards|warm regards|regards|thanks|"
    r"thank you|many thanks|cheers|sincerely|yours(?: sincerely| truly)?|br|rgds|mvh|m\.v\.h\.?|"
    r"med vänlig(?:a)? hälsning(?:ar)?|vänlig(?:a)? hälsning(?:ar)?|vh|hälsningar|"
    r"hälsning|hälsar|allt gott|ha det bra|ha en (?:fin|bra|trevlig) dag|vi hörs|"
    r"tack(?: så mycket)?|"
    r"tack på förhand|thanks in advance|take care|all the best)"
    r"[ \t]*[,!.]?[ \t]*(?:\n[ \t>]*)?(?:[/\-–—]+[ \t]*)?"
    r"((?:" + _NAME_WORD + r")(?:[ \t]+(?:" + _NAME_WORD + r")){0,2})[ \t]*$)"
)
_SIGN_MARK = re.compile(
    r"(?m:(?:^|[ \t])(?:[\-–—]{1,2}|/{1,2})[ \t]*((?:" + _NAME_WORD + r")(?:[ \t]+"
    r"(?:" + _NAME_WORD + r")){0,2})[ \t]*$)"
)
_QUOTE_HEADER = re.compile(
    r"(?im:^[ \t>]*(?:(?:from|från|to|till|cc|kopia|sender|avsändare|reply-to)[ \t]*:[ \t]*"
    r"(.+)$|((?:on|den|am|le|el)\b.{4,200}?\b(?:wrote|skrev|schrieb|a écrit|escribió)[ \t]*:?)"
    r"[ \t]*$))"
)
_CUE = re.compile(
    r"(?i:\b(?:technician|tekniker(?:n)?|installer|installatör(?:en)?|engineer|colleague|"
    r"kollega(?:n)?|daughter|dotter|dottern|son|sonen|wife|fru|frun|husband|man|maken|make|"
    r"partner|sambo|neighbou?r|granne|grannen|mother|mamma|mor|father|pappa|far|brother|bror|"
    r"sister|syster|friend|vän|vännen|kompis|grandson|granddaughter|barnbarn|aunt|uncle|moster|"
    r"faster|morbror|farbror|boss|chef|manager|agent|handläggare|named|called|heter|kallad|"
    r"spoke (?:to|with)|talked (?:to|with)|pratade med|talade med|enligt|according to|"
    r"assisted by|helped by|signed by|contact|kontakta|ask for|fråga efter|med|with|och|and)\s+)"
)
_CUE_END = re.compile(_CUE.pattern + r"\Z")
_CAPITALISED = re.compile(r"\b[A-ZÅÄÖÉÜ][a-zåäöéüß'’]+(?:-[A-ZÅÄÖ][a-zåäö]+)?\b")
_NOT_NAMES = _words(
    "there all everyone everybody again igen alla allihop allihopa team support you folks "
    "friends guys och and customer kund kundtjänst service sir madam the a an och igen "
    "dear hello hi hej tack thanks thank regards mvh best kind sent skickat från from "
    "iphone android mobile outlook"
)
_MONTH_WORDS = _words(
    "january february march april may june july august september october november december "
    "januari februari mars april maj juni juli augusti september oktober november december "
    "monday tuesday wednesday thursday friday saturday sunday måndag tisdag onsdag torsdag "
    "fredag lördag söndag christmas easter jul påsk midsommar"
)


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _payment(text: str) -> list[Found]:
    found: list[Found] = []
    for m in _CARD_LOOSE.finditer(text):
        digits = _digits(m.group())
        if 13 <= len(digits) <= 19 and luhn.is_valid(digits):
            found.append((m.start(), m.end(), "card", "card-loose"))
    for regex, kind in ((_CVC, "card"), (_EXPIRY, "card"), (_BANK_CONTEXT, "account")):
        for m in regex.finditer(text):
            found.append((m.start(1), m.end(1), kind, "payment-context"))
    for m in _IBAN_LOOSE.finditer(text):
        compact = re.sub(r"[\s\-]", "", m.group()).upper()
        if iban.is_valid(compact):
            found.append((m.start(), m.end(), "iban", "iban-loose"))
    return found


def _addresses(text: str) -> list[Found]:
    found: list[Found] = []
    for m in _WORD_NUMBER.finditer(text):
        if m.group(1).lower().endswith(_STREET_ENDINGS):
            start = m.start()
            before = _STREET_PREFIX.search(text, max(0, start - 12), start)
            if before is not None:
                start = before.start()
            found.append((start, m.end(), "address", "street"))
    for regex in (_STREET_EN, _APARTMENT):
        found += [(m.start(), m.end(), "address", "street") for m in regex.finditer(text)]
    for m in _ADDRESS_CONTEXT.finditer(text):
        first_word = m.group(1).split()[0]
        if first_word.lower() in _MONTH_WORDS or first_word.lower() in ("version", "kanal"):
            continue
        found.append((m.start(1), m.end(1), "address", "address-context"))
    for m in _SE_POSTCODE.finditer(text):
        group = next(g for g in (1, 2, 3) if m.group(g))
        following = text[m.end(group) : m.end(group) + 12].lstrip(" ,").lower()
        if re.match(r"(?:kr|sek|kronor|st|mb|gb|ms|min|users|kunder|customers|år)\b", following):
            continue
        found.append((m.start(group), m.end(group), "address", "postcode"))
    for m in _UK_POSTCODE.finditer(text):
        found.append((m.start(), m.end(), "address", "postcode"))
    for m in _US_ZIP.finditer(text):
        found.append((m.start(1), m.end(1), "address", "postcode"))
    if _FIVE_DIGITS.search(text):
        for m in _STATE_ZIP.finditer(text):
            group = 1 if m.group(1) else 2
            found.append((m.start(group), m.end(group), "address", "postcode"))
    for m in _DOOR.finditer(text):
        found.append((m.start(1), m.end(1), "secret", "door-code"))
    if "°" in text or _DECIMAL3.search(text):
        for m in _COORDINATES.finditer(text):
            found.append((m.start(), m.end(), "address", "coordinates"))
    return found


def _numbers(text: str) -> list[Found]:
    found: list[Found] = []
    for m in _CONTEXT_NUMBER.finditer(text):
        value = m.group(1)
        if not re.search(r"\d", value):
            continue
        # "order 3 times" or "case 2" are not identifiers: need 4+ digits, or letters+digits.
        if len(_digits(value)) < 4 and not re.search(r"[A-Za-z]", value.lstrip("#")):
            continue
        end = m.start(1) + len(value.rstrip(" -"))
        found.append((m.start(1), end, "number", "context-number"))
    # Shapes are checked per digit-bearing token: one scan instead of a lookahead per word.
    for m in _DIGIT_TOKEN.finditer(text):
        value = m.group()
        for regex, source in ((_ID_SHAPE, "id-shape"), (_HEX_ID, "hex-id")):
            for inner in regex.finditer(value):
                found.append((m.start() + inner.start(), m.start() + inner.end(), "number", source))
    for m in _MAC.finditer(text):
        found.append((m.start(), m.end(), "device", "mac"))
    for m in _PLATE.finditer(text):
        found.append((m.start(), m.end(), "plate", "plate"))
    for m in _PLATE_CONTEXT.finditer(text):
        found.append((m.start(1), m.end(1), "plate", "plate"))
    return found


def _url_token(path: str) -> bool:
    segments = re.split(r"[/?#&=]", path)
    return any(
        (re.search(r"\d", seg) and re.search(r"[A-Za-z]", seg) and len(seg) >= 4)
        or re.fullmatch(r"\d{4,}", seg)
        or len(seg) >= 16
        for seg in segments
    )


def _contacts(text: str) -> list[Found]:
    found: list[Found] = []
    for m in _BARE_URL.finditer(text):
        value = m.group()
        path = value.split("/", 1)[1] if "/" in value else ""
        if _SHORTENERS.match(value) or "?" in value or _url_token(path):
            found.append((m.start(), m.end(), "url", "bare-url"))
    if _OBFUSCATION_HINT.search(text):
        for m in _OBFUSCATED_EMAIL.finditer(text):
            found.append((m.start(), m.end(), "email", "obfuscated-email"))
    digit_words = sum(1 for _, word in _word_index(text) if word in _DIGIT_WORD_SET)
    for m in _PHONE_WORDS.finditer(text) if digit_words >= 6 else ():
        words = re.findall(r"\w+", m.group())
        if len(words) >= 6:
            found.append((m.start(), m.end(), "phone", "phone-words"))
    return found


def _secrets(text: str) -> list[Found]:
    found: list[Found] = []
    for m in _SECRET_CONTEXT.finditer(text):
        value = m.group(1).rstrip(".,;:)")
        if not value:
            continue
        lowered = value.lower()
        # "the password is reset", "lösenordet är fel": plain words are not the secret.
        if value.isalpha() and lexicon.is_common(lowered) and not value[1:].isupper():
            continue
        found.append((m.start(1), m.start(1) + len(value), "secret", "secret-context"))
    for m in _SECRET_SHAPE.finditer(text):
        found.append((m.start(), m.end(), "secret", "secret-shape"))
    return found


def _dates(text: str) -> list[Found]:
    """Dates of birth: any date after a birth word, and any full date before the year 2000
    (support text has no other reason to carry one)."""
    found: list[Found] = []
    for regex in (_DATE_NUMERIC, _DATE_WORDS):
        for m in regex.finditer(text):
            value = m.group()
            before = text[max(0, m.start() - 24) : m.start()]
            year = re.findall(r"\d{4}", value)
            old = bool(year) and int(year[-1]) < 2000
            short_year = not year and re.search(r"[-/.](\d{2})$", value)
            old = old or bool(short_year and int(short_year.group(1)) > 30)
            if old or _BIRTH_CONTEXT.search(before):
                found.append((m.start(), m.end(), "date", "birth-date"))
    return found


def _looks_like_name(word: str, *, lenient: bool) -> bool:
    """A person's name word. Lenient (after a greeting or sign-off): any name-list word, or
    an uncommon capitalised word. Strict: a name-list word that is not a very common word."""
    bare = word.strip("'’-")
    lowered = bare.lower()
    if len(bare) < 2 or lowered in _NOT_NAMES or lowered in _MONTH_WORDS:
        return False
    kind = lexicon.name_kind(bare)
    if lenient:
        if kind:
            return kind == 2 or bare[:1].isupper()
        return bare[:1].isupper() and not bare.isupper() and not lexicon.is_common(lowered)
    return kind == 2 and bare[:1].isupper()


def _name_run(text: str, start: int, end: int, *, lenient: bool) -> list[Found]:
    """Name words in text[start:end] (a greeting's or sign-off's tail), stopping at the first
    word that is not a name and not a joiner."""
    found: list[Found] = []
    for m in re.finditer(r"[\w'’-]+", text[start:end]):
        word = m.group()
        if word.lower() in ("och", "and", "o", "&"):
            continue
        if not _looks_like_name(word, lenient=lenient):
            break
        found.append((start + m.start(), start + m.end(), "name", "name-run"))
    return found


def _sentence_start(text: str, position: int) -> bool:
    before = text[max(0, position - 4) : position].rstrip(" \t\"'“(")
    return not before or before[-1] in ".!?:\n>•*-–—"


def _names(text: str) -> list[Found]:
    found: list[Found] = []
    for m in _HONORIFIC.finditer(text):
        found.append((m.start(), m.end(1), "name", "honorific"))
    for regex in (_GREETING, _CLOSING, _SIGN_MARK):
        for m in regex.finditer(text):
            found += _name_run(text, m.start(1), m.end(1), lenient=True)
    for m in _QUOTE_HEADER.finditer(text):
        group = 1 if m.group(1) else 2
        found.append((m.start(group), m.end(group), "name", "quote-header"))
    # Third parties mid-text, from the name lists.
    words = list(_CAPITALISED.finditer(text))
    for index, m in enumerate(words):
        word = m.group()
        kind = lexicon.name_kind(word)
        if not kind or word.lower() in _MONTH_WORDS:
            continue
        neighbour = any(
            0 <= j < len(words)
            and lexicon.name_kind(words[j].group())
            and abs(words[j].start() - (m.end() if j > index else m.start())) <= 2
            for j in (index - 1, index + 1)
        )
        cue_here = _CUE_END.search(text, max(0, m.start() - 40), m.start()) is not None
        initial = _sentence_start(text, m.start())
        plain = kind == 2 and (
            not initial or neighbour or cue_here or not lexicon.is_common(word.lower())
        )
        if plain or (kind == 1 and (cue_here or (neighbour and not initial))):
            found.append((m.start(), m.end(), "name", "name-list"))
    return found


def detect(text: str) -> list[Found]:
    """Every wider detector over one text."""
    return (
        _payment(text)
        + _addresses(text)
        + _numbers(text)
        + _contacts(text)
        + _secrets(text)
        + _dates(text)
        + _names(text)
    )
