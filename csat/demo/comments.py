"""What the demo's customers write in the comment box, in German and English.

Comments are put together from a first sentence that fits how the customer
felt (understood and/or helped) and, sometimes, a second one about the
ticket's category, so that a year of comments reads varied rather than
repeated. Some carry ``$``, ``%``, umlauts or emoji on purpose: the report
must print them literally.
"""

from __future__ import annotations

import random

#: Mood of an answer: (understood top-2-box, helped top-2-box).
Mood = tuple[bool, bool]

_OPENERS: dict[str, dict[Mood, tuple[str, ...]]] = {
    "en": {
        (True, True): (
            "Quick, friendly and it works again – thank you!",
            "She listened to the whole story before suggesting anything. Great.",
            "Finally someone who gets it 🙏",
            "Sorted in 10 minutes, and I never felt stupid for asking.",
            "Really patient with me even though I'm not technical.",
            "Top support, 100% recommended.",
            "He explained what went wrong, so next time I know. Thanks!",
            "Everything fine 👍",
            "Excellent. Took the time to understand what I actually needed.",
            "Brilliant service, thank you so much!",
            "Kind, competent and fast. What more could I want?",
            "Felt like talking to a colleague, not a call centre.",
            "Quick callback, clear explanation, problem gone.",
            "Thank you for your patience with me!",
            "I was worried about losing my files – she calmed me down and fixed it.",
            "Very professional and friendly.",
            "Perfect, and thanks for the tip about the shortcut.",
        ),
        (False, True): (
            "It works now, but I felt rushed the whole time.",
            "Problem solved, but nobody asked what I actually needed.",
            "Fixed, fine. Would have been nice to be talked to like an adult.",
            "The agent just read a script and hung up once it worked.",
            "Solved, but I had to explain everything three times.",
            "Technically perfect, humanly so-so 😐",
            "Got my fix, but the tone was pretty condescending.",
            "Works again. The person on the phone seemed annoyed, though.",
            "Fast fix, zero empathy.",
            "Nobody let me finish a sentence, but yes, it's fixed.",
            "Fine, it works. I still don't know what was wrong.",
            "Solved quickly, but I felt like a ticket number.",
            "The fix was fine, the attitude less so.",
            "He fixed it without saying a word to me.",
            "Worked after the restart, but I wasn't taken seriously.",
            "I got the solution, not the explanation I asked for.",
        ),
        (True, False): (
            "Very kind and understanding, but the problem is still there.",
            "I felt heard, but we're still waiting for a real fix.",
            "Nice person, but the workaround only helps 50% of the time.",
            "Thanks for listening – sadly it isn't solved yet.",
            "Friendly and patient, but I was sent to another team in the end.",
            "Lovely to talk to, but I'm back where I started.",
            "You clearly understood the issue – please just fix it.",
            "Good listener; the laptop still won't dock.",
            "Appreciated the call-back, but it still fails ~30% of the time.",
            "You listened, thank you – but nothing has changed yet.",
            "Patient and kind; unfortunately the error came back an hour later.",
            "Great attitude, but the printer is still offline.",
            "I appreciate the effort, the issue remains.",
        ),
        (False, False): (
            "Took three calls before anyone listened.",
            "Still broken and nobody seems to care.",
            "Ticket closed without asking me. Not OK 😠",
            "I was told it's a user error. It isn't.",
            "We lost half a day of work – that's about $2,000 in billable hours.",
            "Nobody understood what my problem was, and it's still not fixed.",
            "Please call me back: kim.muster@example.com or ext. 4711.",
            "Felt like I was bothering them. Issue still open.",
            "Had to chase three times, and now the ticket is closed?!",
            "No idea why this was marked as resolved.",
            "Honestly the worst support experience this year 👎",
            "Nobody called back as promised.",
            "I explained it twice and still got the wrong fix.",
            "Waited 40 minutes on hold for nothing.",
            "The chat just ended. Still broken.",
        ),
    },
    "de": {
        (True, True): (
            "Schnell und freundlich, danke!",
            "Endlich jemand, der zuhört und es dann auch löst 👍",
            "Sehr geduldig erklärt, obwohl ich kein Technikprofi bin.",
            "Top! Hat sich Zeit genommen und genau verstanden, worum es geht.",
            "Alles super, vielen Dank für die schnelle Hilfe 😊",
            "Kompetent, freundlich und auf Augenhöhe – so soll es sein.",
            "In 5 Minuten erledigt und ich habe sogar verstanden, warum.",
            "Ich bin 100% zufrieden.",
            "Sehr angenehmes Gespräch, Problem gelöst.",
            "Super Service, herzlichen Dank!",
            "Man hat sich wirklich um mein Problem gekümmert.",
            "Freundlich, schnell und kompetent – gerne wieder.",
            "Schneller Rückruf, klare Erklärung, Problem weg.",
            "Vielen Dank für die Geduld mit mir!",
            "Ich hatte Angst um meine Dateien – man hat mich beruhigt und alles gerettet.",
            "Sehr professionell und freundlich.",
            "Perfekt, und danke für den Tipp mit der Tastenkombination.",
        ),
        (False, True): (
            "Funktioniert wieder, aber ich fühlte mich abgefertigt.",
            "Gelöst, aber ich musste alles dreimal erklären.",
            "Das Problem ist weg, zugehört hat mir aber niemand.",
            "Fachlich einwandfrei, menschlich eher kühl.",
            "Ich hatte das Gefühl, nicht ernst genommen zu werden.",
            "Hat geklappt, aber der Ton war ziemlich von oben herab 😕",
            "Schnell gelöst, aber ohne ein Wort der Erklärung.",
            "Problem gelöst, aber ich kam mir vor wie eine Nummer.",
            "Ich durfte kaum ausreden, aber jetzt läuft es.",
            "Läuft wieder. Was eigentlich kaputt war, weiß ich nicht.",
            "Schnell, aber sehr kurz angebunden.",
            "Schnell erledigt, aber ich kam mir vor wie eine Ticketnummer.",
            "Die Lösung war gut, der Umgangston weniger.",
            "Repariert, aber kein Wort mit mir gesprochen.",
            "Nach dem Neustart ging es, ernst genommen wurde ich aber nicht.",
            "Ich habe eine Lösung bekommen, aber keine Erklärung.",
        ),
        (True, False): (
            "Sehr nett und verständnisvoll, aber der Fehler ist noch da.",
            "Ich fühlte mich verstanden, gelöst ist es leider nicht.",
            "Freundlich und bemüht, am Ende wurde ich aber nur weitergeleitet.",
            "Danke fürs Zuhören – der Drucker streikt trotzdem weiter.",
            "Der Workaround hilft nur in ca. 50 % der Fälle.",
            "Sehr nettes Gespräch, aber das Problem besteht weiter.",
            "Verständnis war da, eine Lösung leider nicht.",
            "Man hat mich ernst genommen – gelöst ist es trotzdem nicht.",
            "Der Rückruf war nett, der Fehler tritt aber noch in ~30 % der Fälle auf.",
            "Danke fürs Zuhören – geändert hat sich aber noch nichts.",
            "Geduldig und freundlich; leider war der Fehler eine Stunde später wieder da.",
            "Tolle Einstellung, aber der Drucker ist immer noch offline.",
            "Ich schätze die Mühe, das Problem bleibt.",
        ),
        (False, False): (
            "Dreimal angerufen, bevor mir überhaupt jemand zugehört hat.",
            "Ticket einfach geschlossen, ohne Rückfrage. Ärgerlich 😠",
            "Immer noch kaputt, und es scheint niemanden zu interessieren.",
            "Mir wurde gesagt, es sei ein Bedienfehler. Ist es nicht.",
            "Ein halber Tag Arbeit verloren – das sind über 1.500 € bzw. $1,700.",
            "Bitte rufen Sie mich zurück: kim.muster@example.com, Durchwahl 4711.",
            "Weder verstanden noch gelöst. Schade.",
            "Ich kam mir vor, als würde ich stören. Problem besteht weiter.",
            "Dreimal nachgehakt und jetzt ist das Ticket einfach zu?!",
            "Warum wurde das als gelöst markiert?",
            "Ehrlich gesagt die schlechteste Supporterfahrung dieses Jahr 👎",
            "Der versprochene Rückruf kam nie.",
            "Zweimal erklärt und trotzdem die falsche Lösung bekommen.",
            "40 Minuten in der Warteschleife, für nichts.",
            "Der Chat wurde einfach beendet. Geht immer noch nicht.",
        ),
    },
}

_DETAILS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "password": ("The password reset email never arrived, though.", "MFA is still confusing."),
        "network": ("The VPN dropped twice more today.", "Wi-Fi on the 3rd floor is at ~20%."),
        "printer": ("The printer on floor 2 jams every Monday.", "Printing costs us $0.12/page!"),
        "hardware": ("It was about the new laptop.", "My docking station is still flaky."),
        "software": ("Excel still crashes with big files.", "The update took 45 minutes."),
        "access": ("I needed the share for a deadline today.", "Access to _finance_ works now."),
    },
    "de": {
        "password": ("Die Mail zum Zurücksetzen kam nie an.", "Die Zwei-Faktor-Anmeldung nervt."),
        "network": ("Das VPN ist heute zweimal abgebrochen.", "WLAN im 3. OG ist bei ~20 %."),
        "printer": ("Der Drucker im 2. OG klemmt jeden Montag.", "Toner für 80 € – wirklich?"),
        "hardware": ("Es ging um den neuen Laptop.", "Die Dockingstation spinnt weiterhin."),
        "software": (
            "Excel stürzt bei großen Dateien immer noch ab.",
            "Das Update dauerte 45 Min.",
        ),
        "access": (
            "Ich brauchte den Zugriff dringend für eine Frist.",
            "Der Ordner Ä_Ü ist jetzt da.",
        ),
    },
}


_CLOSERS: dict[str, dict[Mood, tuple[str, ...]]] = {
    "en": {
        (True, True): ("Keep it up!", "Thanks again.", "Cheers, Sam", "😊", "Best regards"),
        (False, True): ("Please listen first.", "Thanks anyway.", "A bit more patience, please."),
        (True, False): ("Still waiting for a fix.", "Thanks anyway.", "Please follow up."),
        (False, False): ("Disappointed.", "Not great.", "🙄", "Please call me back."),
    },
    "de": {
        (True, True): ("Weiter so!", "Danke nochmal.", "Viele Grüße", "😊", "Großes Lob ans Team."),
        (False, True): ("Bitte erst zuhören.", "Trotzdem danke.", "Etwas mehr Geduld, bitte."),
        (True, False): (
            "Ich warte weiter auf eine Lösung.",
            "Trotzdem danke.",
            "Bitte nachfassen.",
        ),
        (False, False): ("Enttäuschend.", "Schade.", "🙄", "Bitte um Rückruf."),
    },
}


def comment(rng: random.Random, locale: str, mood: Mood, category: str | None) -> str:
    """One comment for a customer in ``locale`` who felt as ``mood`` says."""
    language = "de" if locale == "de" else "en"
    parts = [rng.choice(_OPENERS[language][mood])]
    details = _DETAILS[language].get(category or "")
    if details and rng.random() < 0.45:
        parts.append(rng.choice(details))
    if rng.random() < 0.3:
        parts.append(rng.choice(_CLOSERS[language][mood]))
    return " ".join(parts)
