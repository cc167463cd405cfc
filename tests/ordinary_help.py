"""Ordinary help text (no personal data) in Swedish and English, the kind a public answer
holds: for measuring over-redaction and the gate's flag rate. Written as articles, not
tuned to the detectors."""

HELP_TEXTS = [
    "Hi there! If the router light blinks red, unplug it for thirty seconds and plug it back "
    "in. Wait about five minutes until the light turns green before you test the connection.",
    "Hello everyone, the TV box needs a new channel scan after a power cut. Open the menu, "
    "choose Settings, then Channels, and press Search. It takes around 3 minutes.",
    "hej igen! Om wifi:t är långsamt i sovrummet, flytta routern högre upp och bort från "
    "mikrovågsugnen. Byt gärna kanal till 1, 6 eller 11 i routerns inställningar.",
    "Fakturan kommer den 25:e varje månad. Om du har autogiro dras beloppet två dagar före "
    "förfallodagen. Det kostar 29 kr att få fakturan på papper.",
    "To change your password, log in to your account, choose Security and follow the steps. "
    "The new password must have at least 12 characters.",
    "Om telefonen inte hittar nätet efter att du bytt SIM-kort, starta om telefonen och "
    "kontrollera att mobildata är påslaget. Det kan ta upp till 24 timmar innan kortet är "
    "aktiverat.",
    "The voicemail greeting can be changed by calling the voicemail number and pressing 3. "
    "Speak after the tone and press the hash key when you are done.",
    "Printers that say offline often lost their connection to the wifi. Turn the printer off "
    "and on again, then add it again on your computer under Printers and scanners.",
    "If your internet speed is lower than 100 Mbit/s, test with a cable instead of wifi. "
    "Speed over wifi depends on walls, distance and other networks nearby.",
    "Vi har ändrat priset för bredband 250/250 från och med 1 mars 2026. Det nya priset är "
    "399 kr per månad och gäller alla nya och befintliga kunder.",
    "Good morning! When the remote does not work, change the batteries first. If it still "
    "does not respond, hold the remote close to the box and press the power button for "
    "five seconds.",
    "Du kan se dina fakturor under Mina sidor. Välj Fakturor i menyn och klicka på den "
    "faktura du vill se. Du kan också ladda ner den som PDF.",
    "A refund usually shows on your statement within three to five working days. If it has "
    "not arrived after ten days, ask us to call you and we will look into it.",
    "Om routern har en orange lampa betyder det att den inte får kontakt med nätet. "
    "Kontrollera att fiberkabeln sitter i ordentligt och starta om routern.",
    "Version 2.4 of the app fixed the login problem on Android 14. Update the app from the "
    "store and log in again.",
    "To move your subscription to a new address, tell us the date you move at least two "
    "weeks before. The technician visit is free of charge.",
]
