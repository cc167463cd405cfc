"""Swedish catalogue source: msgid -> Swedish. `python scripts/sv_translations.py` rebuilds
app/translations/sv/LC_MESSAGES/messages.po from a fresh extraction (pybabel extract)."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

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
    "Account ready. Give %(name)s this one-time password by phone: %(pw)s": "Kontot är klart. Ge %(name)s det här engångslösenordet per telefon: %(pw)s",
    "You cannot remove your own admin rights or deactivate yourself.": "Du kan inte ta bort dina egna administratörsrättigheter eller inaktivera dig själv.",
    "Saved.": "Sparat.",
    "One of the phone numbers is not valid.": "Ett av telefonnumren är inte giltigt.",
    "Opening hours must be between 0 and 24, opening before closing.": "Öppettiderna måste vara mellan 0 och 24, och öppning före stängning.",
    "That is not an email address.": "Det är ingen e-postadress.",
    "Agents": "Handläggare",
    "Saved answers": "Sparade svar",
    "Settings": "Inställningar",
    "Change": "Byt",
    "Invite an agent": "Bjud in en handläggare",
    "Create account": "Skapa konto",
    "Delete": "Ta bort",
    "New saved answer": "Nytt sparat svar",
    "Code": "Kod",
    "A code is on its way. Ask the customer to read it to you.": "En kod är på väg. Be kunden läsa upp den för dig.",
    "Type the 6-digit code the customer reads to you.": "Skriv den sexsiffriga kod som kunden läser upp.",
    "Verified.": "Bekräftad.",
    "That phone number or email address is not valid.": "Telefonnumret eller e-postadressen är inte giltig.",
    "Contact details saved.": "Kontaktuppgifterna är sparade.",
    "Unlocked.": "Upplåst.",
    "Privacy": "Integritet",
    "Audit log": "Granskningslogg",
    "Other tickets": "Andra ärenden",
    "Hidden until verified.": "Dolt tills identiteten är bekräftad.",
    "Change contact details": "Ändra kontaktuppgifter",
    "New phone": "Nytt telefonnummer",
    "New email": "Ny e-postadress",
    "New address": "Ny adress",
    "Save contact details": "Spara kontaktuppgifter",
    "Identity": "Identitet",
    "Verified": "Bekräftad",
    "until": "till",
    "Not verified": "Inte bekräftad",
    "Do not discuss private matters yet.": "Diskutera inget privat ännu.",
    "Too many wrong codes for this customer. An admin must unlock.": "För många felaktiga koder för den här kunden. En administratör måste låsa upp.",
    "Send a code by": "Skicka en kod med",
    "Voice call": "Röstsamtal",
    "Send code": "Skicka kod",
    "Codes go only to the contact already on file.": "Koder skickas bara till kontaktuppgifter vi redan har.",
    "No contact on file to send a code to.": "Det finns ingen kontaktuppgift att skicka en kod till.",
    "Code the customer reads to you": "Koden som kunden läser upp",
    "Check": "Kontrollera",
    "Ticket": "Ärende",
    "Action starts with": "Händelsen börjar med",
    "When": "När",
    "Who": "Vem",
    "What": "Vad",
    "Details": "Detaljer",
    "Privacy and verification": "Integritet och identitetskontroll",
    "Field": "Fält",
    "Private": "Privat",
    "Shown after phone verified": "Visas när telefonen är bekräftad",
    "Shown after mailbox confirmed": "Visas när e-postlådan är bekräftad",
    "Customers locked after too many wrong codes": "Kunder som låsts efter för många felaktiga koder",
    "Unlock": "Lås upp",
    "Confirm it is you": "Bekräfta att det är du",
    "Thank you. You are confirmed. The person helping you can see this now.": "Tack. Du är bekräftad. Personen som hjälper dig ser det nu.",
    "This link no longer works. Ask the person helping you to send a new code.": "Länken fungerar inte längre. Be personen som hjälper dig att skicka en ny kod.",
    "Too many tries. Please wait an hour, or call us.": "För många försök. Vänta en timme eller ring oss.",
    "That code is not right. Please look at the email again and type the 6 digits.": "Koden stämmer inte. Titta i mejlet igen och skriv de sex siffrorna.",
    "Type the 6-digit code from the email we just sent you.": "Skriv den sexsiffriga koden från mejlet vi just skickade.",
    "Confirm": "Bekräfta",
    "Publish community answers without an agent's approval (not recommended)": "Publicera svar i gemenskapen utan att en handläggare godkänner dem (rekommenderas inte)",
    "Thank you for telling us.": "Tack för att du berättade.",
    "You have already answered. Thank you.": "Du har redan svarat. Tack.",
    "Approved. It will be on the public pages in a moment.": "Godkänt. Det syns på de publika sidorna om en liten stund.",
    "Rejected.": "Avvisat.",
    "Retracted: it is no longer public.": "Tillbakadraget: det är inte längre publikt.",
    "Community": "Gemenskap",
    "%(n)s found this helpful": "%(n)s tyckte att det hjälpte",
    "What do you need help with?": "Vad behöver du hjälp med?",
    "For example: wifi stops working": "Till exempel: wifi slutar fungera",
    "The problem": "Problemet",
    "What solved it": "Det här löste det",
    "Checked by our support team.": "Granskat av vår kundtjänst.",
    "Did this answer your question?": "Fick du svar på din fråga?",
    "Yes": "Ja",
    "No": "Nej",
    "Still need help? A person will help you:": "Behöver du fortfarande hjälp? En person hjälper dig:",
    "Checked answers about %(topic)s.": "Granskade svar om %(topic)s.",
    "All topics": "Alla ämnen",
    "No answers here yet.": "Inga svar här ännu.",
    "Community drafts": "Utkast till gemenskapen",
    "Community answers": "Svar i gemenskapen",
    "Drafts to review": "Utkast att granska",
    "Published": "Publicerade",
    "Retracted": "Tillbakadragna",
    "Rejected": "Avvisade",
    "removed": "borttagna",
    "Nothing here.": "Inget här.",
    "Help and answers": "Hjälp och svar",
    "Answers to common questions, checked by our support team. Or email us, or ask us to call you.": "Svar på vanliga frågor, granskade av vår kundtjänst. Eller mejla oss, eller be oss ringa dig.",
    "How can we help?": "Hur kan vi hjälpa dig?",
    "Every answer here was checked by a person in our support team.": "Varje svar här har granskats av en person i vår kundtjänst.",
    "Topics": "Ämnen",
    "Most helpful answers": "Mest hjälpsamma svar",
    "New answers": "Nya svar",
    "Review": "Granska",
    "All drafts": "Alla utkast",
    "See it on the public pages": "Se det på de publika sidorna",
    "Review before publishing": "Granska före publicering",
    "Check that nothing can identify the customer. Removed parts are marked.": "Kontrollera att inget kan avslöja vem kunden är. Borttagna delar är markerade.",
    "Public text": "Publik text",
    "Problem": "Problem",
    "Resolution": "Lösning",
    "Original (agents only)": "Original (bara för handläggare)",
    "Topic": "Ämne",
    "Approve and publish": "Godkänn och publicera",
    "Reject": "Avvisa",
    "Retract from public pages": "Dra tillbaka från de publika sidorna",
    "Search the answers": "Sök bland svaren",
    "%(n)s answers found": "%(n)s svar hittades",
    "We found no answer to that yet.": "Vi hittade inget svar på det ännu.",
    "Didn't find what you need? A person can help:": "Hittade du inte det du behöver? En person kan hjälpa dig:",
    # --- issue 18: data protection (export, erasure, retention, records, recordings) ---
    "Messages (email, SMS, web, notes)": "Meddelanden (e-post, sms, webb, anteckningar)",
    "Attachments": "Bilagor",
    "Voicemail recordings": "Röstmeddelanden (inspelningar)",
    "Voicemail transcriptions": "Utskrifter av röstmeddelanden",
    "Call logs and callback requests": "Samtalsloggar och önskemål om uppringning",
    "Identity-check records": "Uppgifter från identitetskontroller",
    "Until the customer is erased, or their last ticket is purged": (
        "Tills kunden raderas eller kundens sista ärende gallras"
    ),
    "While the agent account exists": "Så länge handläggarkontot finns",
    "A few days at most (rate limits, webhook receipts)": (
        "Högst några dagar (spärrar mot missbruk, kvitton från Twilio)"
    ),
    "No customer has that email address, phone number or ticket reference.": (
        "Ingen kund har den e-postadressen, det telefonnumret eller det ärendenumret."
    ),
    "Tick the box to confirm the erasure.": "Kryssa i rutan för att bekräfta raderingen.",
    "Erasure started. This page shows when it is complete.": (
        "Raderingen har börjat. Den här sidan visar när den är klar."
    ),
    "What we hold about this customer": "Vad vi har om den här kunden",
    "Tickets: %(n)s": "Ärenden: %(n)s",
    "still open: %(refs)s": "fortfarande öppna: %(refs)s",
    "Messages: %(n)s": "Meddelanden: %(n)s",
    "Attachments and recordings: %(n)s": "Bilagor och inspelningar: %(n)s",
    "Callback requests: %(n)s": "Önskemål om uppringning: %(n)s",
    "Phone calls: %(n)s": "Telefonsamtal: %(n)s",
    "Identity checks: %(n)s": "Identitetskontroller: %(n)s",
    "Community articles drawn from their tickets: %(n)s": (
        "Artiklar i kunskapsbanken från kundens ärenden: %(n)s"
    ),
    "Give the customer a copy": "Ge kunden en kopia",
    "The copy downloads to your computer only. Hand it over in person or through a secure "
    "channel; never send it by email.": (
        "Kopian laddas bara ner till din dator. Lämna över den personligen eller via en säker "
        "kanal; skicka den aldrig med e-post."
    ),
    "Readable summary": "Läsbar sammanställning",
    "Download everything (zip)": "Ladda ner allt (zip)",
    "Erase this customer": "Radera den här kunden",
    "Erasing removes the customer, their tickets, messages, files, recordings, callback "
    "requests, calls and identity checks. It cannot be undone. The audit log keeps only a "
    "record that an erasure happened.": (
        "Raderingen tar bort kunden, kundens ärenden, meddelanden, filer, inspelningar, "
        "önskemål om uppringning, samtal och identitetskontroller. Det går inte att ångra. "
        "Granskningsloggen behåller bara en uppgift om att en radering skett."
    ),
    "This customer still has open tickets: %(refs)s. Erasing closes them. Tick the box "
    "below to confirm.": (
        "Kunden har fortfarande öppna ärenden: %(refs)s. Raderingen stänger dem. Kryssa i "
        "rutan nedan för att bekräfta."
    ),
    "Community articles drawn from their tickets": "Artiklar i kunskapsbanken från kundens ärenden",
    "Each is checked again for the customer's details and retracted, unless you confirm it "
    "holds nothing of theirs.": (
        "Varje artikel kontrolleras igen mot kundens uppgifter och dras tillbaka, om du inte "
        "bekräftar att den inte innehåller något om kunden."
    ),
    "Keep “%(title)s” (%(status)s): I checked it holds nothing of theirs": (
        "Behåll ”%(title)s” (%(status)s): jag har kontrollerat att den inte innehåller något "
        "om kunden"
    ),
    "Close the open tickets %(refs)s": "Stäng de öppna ärendena %(refs)s",
    "I confirm: erase this customer for good": "Jag bekräftar: radera kunden för gott",
    "Erase": "Radera",
    "Data protection": "Dataskydd",
    "Find a customer to see what we hold about them, give them a copy, or erase them.": (
        "Sök upp en kund för att se vad vi har om kunden, ge kunden en kopia eller radera kunden."
    ),
    "Email address, phone number or ticket reference": "E-postadress, telefonnummer eller ärendenummer",
    "Find": "Sök",
    "Records of processing": "Register över behandlingar",
    "Recent requests": "Senaste begäranden",
    "Request": "Begäran",
    "Started": "Påbörjad",
    "Completed": "Klar",
    "None yet.": "Inga ännu.",
    "Every place in the database that holds personal data, why we keep it and for how long. "
    "This page is generated from the data model, so it always matches what is stored.": (
        "Varje ställe i databasen som innehåller personuppgifter, varför vi sparar dem och hur "
        "länge. Sidan skapas från datamodellen och stämmer därför alltid med det som lagras."
    ),
    "Files: attachments and voicemail recordings are kept in the file store under their "
    "content hash, for as long as the attachment rows that name them.": (
        "Filer: bilagor och röstmeddelanden sparas i fillagret under sin innehållshash, så "
        "länge raderna som pekar på dem finns kvar."
    ),
    "Where": "Var",
    "Why": "Varför",
    "How long": "Hur länge",
    "%(n)s days": "%(n)s dagar",
    "kept until erased": "sparas tills kunden raderas",
    "Request #%(id)s": "Begäran nr %(id)s",
    "Complete": "Klar",
    "Removed from the database; removing files and recordings": (
        "Borttagen ur databasen; filer och inspelningar tas bort"
    ),
    "Waiting for the worker": "Väntar på bakgrundsjobbet",
    "Removed": "Borttaget",
    "%(t)s tickets, %(m)s messages; %(r)s community articles retracted, %(k)s kept": (
        "%(t)s ärenden, %(m)s meddelanden; %(r)s artiklar tillbakadragna, %(k)s behållna"
    ),
    "Last problem": "Senaste problem",
    "Back to data protection": "Tillbaka till dataskydd",
    "Everything we hold about you": "Allt vi har om dig",
    "This is a readable copy of the personal data the helpdesk holds about one customer. The "
    "downloadable archive has the same data in a machine-readable form, with the original "
    "files.": (
        "Det här är en läsbar kopia av de personuppgifter kundtjänsten har om en kund. Arkivet "
        "att ladda ner har samma uppgifter i maskinläsbar form, med originalfilerna."
    ),
    "Your details": "Dina uppgifter",
    "Your tickets": "Dina ärenden",
    "Messages": "Meddelanden",
    "from you": "från dig",
    "from us": "från oss",
    "internal note": "intern anteckning",
    "Files": "Filer",
    "Other records": "Övriga uppgifter",
    "Saved. The purge runs in the background.": "Sparat. Gallringen körs i bakgrunden.",
    "Retention periods": "Lagringstider",
    "How many days each kind of data is kept. Older data is deleted (messages: resolved and "
    "closed tickets with everything on them) or, for transcriptions, blanked. Leave a field "
    "empty to keep that data until the customer is erased.": (
        "Hur många dagar varje slags uppgift sparas. Äldre uppgifter raderas (meddelanden: "
        "lösta och stängda ärenden med allt som hör till dem) eller, för utskrifter, töms. "
        "Lämna ett fält tomt för att spara uppgifterna tills kunden raderas."
    ),
    "Use a whole number of days between 1 and 36500 for: %(names)s": (
        "Ange ett helt antal dagar mellan 1 och 36500 för: %(names)s"
    ),
    "days": "dagar",
    "Run the purge now, not only on schedule": "Kör gallringen nu, inte bara enligt schemat",
    "Last run": "Senaste körning",
    "Started %(at)s; next run %(next)s.": "Startade %(at)s; nästa körning %(next)s.",
    "Not run yet.": "Har inte körts ännu.",
    "Voicemail recording": "Inspelat röstmeddelande",
    "This customer still has open tickets. Erasing closes them.": (
        "Kunden har fortfarande öppna ärenden. Raderingen stänger dem."
    ),
    # issue 12: domain errors (DomainError messages) and the error page
    "That is not allowed.": "Det går inte.",
    "That did not work": "Det gick inte",
    "Back to the start page": "Tillbaka till startsidan",
    "Passwords need at least %(count)s characters.": "Lösenord behöver minst %(count)s tecken.",
    "Role must be agent or admin.": "Rollen måste vara handläggare eller administratör.",
    "Unknown time window.": "Okänd tid.",
    "This customer has no phone number on file.": "Kunden har inget telefonnummer registrerat.",
    "Add your own phone number to your profile to call from here.": "Lägg till ditt eget telefonnummer i din profil för att ringa härifrån.",
    "Choose what happened on the call.": "Välj vad som hände i samtalet.",
    "Unknown category.": "Okänd kategori.",
    "Title, problem and resolution are all needed.": "Rubrik, problem och lösning behövs alla.",
    "Only drafts can be approved.": "Bara utkast kan godkännas.",
    "That is not a valid phone number.": "Det är inte ett giltigt telefonnummer.",
    "There is no such contact on file for this customer.": "Kunden har ingen sådan kontaktuppgift registrerad.",
    "Too many wrong codes for this customer: an admin must unlock.": "För många felaktiga koder för den här kunden: en administratör måste låsa upp.",
    "At most %(limit)s codes per hour. Please wait before sending another.": "Högst %(limit)s koder per timme. Vänta innan du skickar en till.",
    "Too many wrong codes: an admin must unlock this customer.": "För många felaktiga koder: en administratör måste låsa upp den här kunden.",
    "There is no valid code to check. Send a new code.": "Det finns ingen giltig kod att kontrollera. Skicka en ny kod.",
    "Wrong code too many times: this code no longer works. Send a new code.": "Fel kod för många gånger: koden fungerar inte längre. Skicka en ny kod.",
    "That code is not right. Please try again.": "Koden stämmer inte. Försök igen.",
    "The code was right, but this contact was changed in the last %(days)s days, so it does not prove who the customer is on its own. Verify another way.": "Koden var rätt, men kontaktuppgiften ändrades under de senaste %(days)s dagarna, så den bevisar inte ensam vem kunden är. Verifiera på ett annat sätt.",
    "Verify the customer's identity first: send a code to a contact on file.": "Verifiera kundens identitet först: skicka en kod till en registrerad kontaktuppgift.",
    "The note is empty.": "Anteckningen är tom.",
    "The reply is empty.": "Svaret är tomt.",
    "Cannot reply by %(channel)s.": "Det går inte att svara via %(channel)s.",
    "This customer has no email address on file.": "Kunden har ingen e-postadress registrerad.",
    "%(reference)s was changed by someone else while you were looking at it. Reload the ticket to see the latest version, then try again.": "%(reference)s ändrades av någon annan medan du tittade på det. Ladda om ärendet för att se den senaste versionen och försök sedan igen.",
    "A %(old)s ticket cannot become %(new)s.": "Ett ärende med status %(old)s kan inte få status %(new)s.",
    "Please write a short summary of how this was resolved.": "Skriv en kort sammanfattning av hur det löstes.",
    "Priority must be low, normal, high or urgent.": "Prioriteten måste vara låg, normal, hög eller brådskande.",
}


def build() -> None:
    """Extract, merge with SV, write the .po (untranslated ids are listed, not guessed)."""
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
