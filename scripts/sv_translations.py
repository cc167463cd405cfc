"""Swedish catalogue source: msgid -> Swedish. `python scripts/sv_translations.py` rebuilds
app/translations/sv/LC_MESSAGES/messages.po from a fresh extraction (pybabel extract)."""

SV = {
    "Reply to the customer": "Svara kunden",
    "Send by": "Skicka med",
    "Email": "E-post",
    "SMS": "Sms",
    "Internal note (the customer never sees it)": "Intern anteckning (kunden ser den aldrig)",
    "How was it resolved? (one or two sentences)": "Hur löstes det? (en eller två meningar)",
    "Priority": "Prioritet",
    "Low": "Låg",
    "Normal": "Normal",
    "High": "Hög",
    "Urgent": "Brådskande",
    "Title": "Rubrik",
    "Text ({customer_name}, {reference}, {agent_name} are filled in)": "Text ({customer_name}, {reference}, {agent_name} fylls i)",
    "Language": "Språk",
    "Name": "Namn",
    "Own phone (for click-to-call)": "Egen telefon (för att ringa med ett klick)",
    "Role": "Roll",
    "Agent": "Handläggare",
    "Admin": "Administratör",
    "Active": "Aktiv",
    "Addresses we receive mail on (one per line)": "Adresser vi tar emot e-post på (en per rad)",
    "Our phone numbers (one per line)": "Våra telefonnummer (ett per rad)",
    "We open at (hour)": "Vi öppnar (timme)",
    "We close at (hour)": "Vi stänger (timme)",
    "Please fill in the form.": "Fyll i formuläret.",
    "Someone else changed this ticket while you were working. Nothing was saved: read the "
    "latest messages below and try again.": "Någon annan ändrade ärendet medan du arbetade. Inget sparades: läs de senaste "
    "meddelandena nedan och försök igen.",
    "Your reply is on its way.": "Ditt svar är på väg.",
    "Note added.": "Anteckningen är sparad.",
    "Status changed.": "Status ändrad.",
    "The ticket is yours.": "Ärendet är ditt.",
    "Priority changed.": "Prioritet ändrad.",
    "Password": "Lösenord",
    "Log in": "Logga in",
    "Log out": "Logga ut",
    "Too many failed attempts. Please wait a few minutes and try again.": "För många misslyckade försök. Vänta några minuter och försök igen.",
    "That email and password do not match an active account.": "E-postadressen och lösenordet hör inte till något aktivt konto.",
    "Your name": "Ditt namn",
    "Please write your name.": "Skriv ditt namn.",
    "Your phone number": "Ditt telefonnummer",
    "Please write the number we should call.": "Skriv numret vi ska ringa.",
    "When should we call?": "När ska vi ringa?",
    "As soon as possible": "Så snart som möjligt",
    "Today, morning (8–12)": "I dag, förmiddag (8–12)",
    "Today, afternoon (12–17)": "I dag, eftermiddag (12–17)",
    "Tomorrow, morning (8–12)": "I morgon, förmiddag (8–12)",
    "Tomorrow, afternoon (12–17)": "I morgon, eftermiddag (12–17)",
    "Please choose when we should call.": "Välj när vi ska ringa.",
    "What is it about? (you can leave this empty)": "Vad gäller det? (du kan lämna tomt)",
    "That does not look like a phone number. Please check the digits.": "Det ser inte ut som ett telefonnummer. Kontrollera siffrorna.",
    "We already have your request. Please wait for our call, or try again later.": "Vi har redan din förfrågan. Vänta på vårt samtal eller försök igen senare.",
    "Helpdesk": "Kundtjänst",
    "Skip to content": "Hoppa till innehållet",
    "Queue": "Kö",
    "Other ways to get help": "Andra sätt att få hjälp",
    "Email us": "Mejla oss",
    "Ask us to call you": "Be oss ringa dig",
    "Send the word CALL by text message to %(number)s": "Skicka ordet RING i ett sms till %(number)s",
    "Phone": "Telefon",
    "Wants a call back": "Vill bli uppringd",
    "Tries so far": "Försök hittills",
    "Next try after": "Nästa försök efter",
    "Call now": "Ring nu",
    "Your phone rings first.": "Din telefon ringer först.",
    "No phone number on file.": "Inget telefonnummer registrerat.",
    "How did the last call go?": "Hur gick det senaste samtalet?",
    "We talked": "Vi pratade",
    "Voicemail": "Röstbrevlåda",
    "No answer": "Inget svar",
    "Wrong number": "Fel nummer",
    "Notes": "Anteckningar",
    "Save": "Spara",
    "Customer": "Kund",
    "Name not known": "Namnet okänt",
    "Address": "Adress",
    "Account": "Konto",
    "hidden until verified": "dolt tills identiteten är bekräftad",
    "Sent STOP: no SMS to this customer.": "Har skickat STOPP: inga sms till den här kunden.",
    "Show": "Visa",
    "All": "Alla",
    "Mine": "Mina",
    "Unassigned": "Ej tilldelade",
    "Status": "Status",
    "Needs work": "Behöver åtgärd",
    "New": "Nya",
    "Open": "Öppna",
    "Waiting for customer": "Väntar på kunden",
    "Resolved": "Lösta",
    "Closed": "Stängda",
    "Channel": "Kanal",
    "Any": "Alla",
    "Web form": "Webbformulär",
    "Search": "Sök",
    "HD-123456, name, email, phone, words": "HD-123456, namn, e-post, telefon, ord",
    "Refresh": "Uppdatera",
    "Call back now": "Ring upp nu",
    "Reference": "Ärende",
    "Wanted": "Önskat",
    "Tries": "Försök",
    "Waiting": "Väntat",
    "Unknown": "Okänd",
    "Tickets": "Ärenden",
    "Subject": "Ämne",
    "Pages": "Sidor",
    "Previous": "Föregående",
    "Page %(n)s": "Sida %(n)s",
    "Next": "Nästa",
    "Nothing here. Well done.": "Inget här. Bra jobbat.",
    "Keys: j / k move, Enter opens, r reply, n note, e resolve.": "Tangenter: j / k flyttar, Enter öppnar, r svara, n anteckning, e lös.",
    "nobody yet": "ingen ännu",
    "Opened": "Öppnat",
    "%(name)s is %(activity)s this ticket.": "%(name)s %(activity)s det här ärendet.",
    "replying to": "svarar på",
    "viewing": "tittar på",
    "Conversation": "Konversation",
    "Internal note": "Intern anteckning",
    "We replied": "Vi svarade",
    "Warning: this mail failed sender checks (DMARC). It may not be from who it claims to be.": "Varning: mejlet klarade inte avsändarkontrollen (DMARC). Det kanske inte kommer "
    "från den det påstår.",
    "Earlier messages quoted in this mail": "Tidigare meddelanden som citeras i mejlet",
    "Show formatted version (no remote images)": "Visa formaterad version (utan externa bilder)",
    "Listen to the voicemail": "Lyssna på röstmeddelandet",
    "Phone call": "Telefonsamtal",
    "Outcome": "Resultat",
    "answered by": "besvarat av",
    "Reply": "Svara",
    "Start from a saved answer": "Utgå från ett sparat svar",
    "Use": "Använd",
    "This customer sent STOP: SMS will not be sent.": "Kunden har skickat STOPP: sms skickas inte.",
    "Send reply": "Skicka svar",
    "Add note": "Spara anteckning",
    "Actions": "Åtgärder",
    "Take this ticket": "Ta ärendet",
    "Set": "Ändra",
    "Resolve": "Markera som löst",
    "Reopen": "Öppna igen",
    "Agent log in": "Inloggning för handläggare",
    "Please fill in both fields.": "Fyll i båda fälten.",
    "The form expired. Please try again.": "Formuläret hann gå ut. Försök igen.",
    "Leave your name and number and a person from our team will call you.": "Lämna ditt namn och nummer så ringer en person från oss upp dig.",
    "Write your name and phone number. A person from our team will call you. It is free.": "Skriv ditt namn och telefonnummer. En person från oss ringer upp dig. Det är gratis.",
    "Please check the form": "Kontrollera formuläret",
    "The page was open too long. Please send the form again.": "Sidan var öppen för länge. Skicka formuläret igen.",
    "For example 070 123 45 67": "Till exempel 070 123 45 67",
    "Please call me": "Ring mig",
    "We will call you": "Vi ringer dig",
    "Thank you. We will call you.": "Tack. Vi ringer dig.",
    "Your reference is": "Ditt ärendenummer är",
    "You are number %(position)s in the queue.": "Du är nummer %(position)s i kön.",
    "We will also send you a text message with your reference. When we call, our number may "
    "show as %(number)s.": "Vi skickar också ett sms med ditt ärendenummer. När vi ringer kan vårt nummer visas "
    "som %(number)s.",
    "You do not need to do anything else.": "Du behöver inte göra något mer.",
    "Jobs": "Jobb",
    "Background jobs": "Bakgrundsjobb",
    "Outbox": "Utkorg",
    "Waiting or running:": "Väntar eller pågår:",
    "Oldest not yet handed to the queue:": "Äldsta som ännu inte lämnats till kön:",
    "Redis does not answer. Work waits safely in the outbox and is handed over when Redis is "
    "back.": "Redis svarar inte. Arbetet väntar säkert i utkorgen och lämnas över när Redis är "
    "tillbaka.",
    "waiting": "väntar",
    "failed": "misslyckade",
    "Job": "Jobb",
    "Ended": "Avslutat",
    "Reason": "Orsak",
    "Work that ran out of retries": "Arbete som fått slut på nya försök",
    "None.": "Inga.",
    "Kind": "Typ",
    "Last error": "Senaste fel",
    "Try again": "Försök igen",
}


def build() -> None:
    """Extract, merge with SV, write the .po (untranslated ids are listed, not guessed)."""
    import subprocess
    import sys
    from pathlib import Path

    from babel.messages.pofile import read_po, write_po

    root = Path(__file__).resolve().parent.parent
    pot = root / "instance" / "messages.pot"
    pot.parent.mkdir(exist_ok=True)
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            str(root / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--project",
            "Callback Helpdesk",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        check=True,
        capture_output=True,
        cwd=root,
    )
    catalog = read_po(pot.open("rb"), locale="sv")
    catalog.fuzzy = False
    catalog.revision_date = catalog.creation_date
    missing = []
    for message in catalog:
        if message.id:
            message.string = SV.get(message.id, "")
            if not message.string:
                missing.append(message.id)
    target = root / "app" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True, width=100)
    print(f"wrote {target} ({len(catalog) - len(missing) - 1} translated, {len(missing)} missing)")
    for msgid in missing:
        print("  missing:", msgid)


if __name__ == "__main__":
    build()
