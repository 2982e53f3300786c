"""The report's words in English and German, and numbers and dates in its locale (Babel)."""

from __future__ import annotations

import math
from datetime import date

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

LANGUAGES = ("en", "de")

_STRINGS: dict[str, tuple[str, str]] = {
    "title": ("Customer satisfaction", "Kundenzufriedenheit"),
    "subtitle": (
        "Did customers feel understood as well as helped?",
        "Wurde den Kunden nicht nur geholfen – fühlten sie sich auch verstanden?",
    ),
    "scope_all": ("All teams", "Alle Teams"),
    "scope_team": ("Team: {team}", "Team: {team}"),
    "generated": ("Generated on {date} by csat", "Erstellt am {date} mit csat"),
    "page": ("Page {n}", "Seite {n}"),
    "s1": ("1  Summary", "1  Überblick"),
    "s2": ("2  Understood × helped", "2  Verstanden × geholfen"),
    "s3": ("3  Trends over 12 months", "3  Verlauf über 12 Monate"),
    "s4": ("4  Teams and agents", "4  Teams und Mitarbeitende"),
    "s5": ("5  Channels and categories", "5  Kanäle und Kategorien"),
    "s6": ("6  Events: before and after", "6  Ereignisse: vorher und nachher"),
    "s7": ("7  Follow-ups", "7  Rückrufe"),
    "s8": ("8  Customer voices", "8  Kundenstimmen"),
    "s9": ("9  Method", "9  Methode"),
    "understood": ("Understood", "Verstanden"),
    "helped": ("Helped", "Geholfen"),
    "csat": ("CSAT", "CSAT"),
    "ces": ("CES 1–7, higher is better", "CES 1–7, höher ist besser"),
    "response_rate": ("Response rate", "Rücklaufquote"),
    "metric": ("Measure", "Kennzahl"),
    "value": ("Value", "Wert"),
    "interval": ("95 % interval", "95-%-Intervall"),
    "n": ("n", "n"),
    "vs_prev": ("vs. {month}", "ggü. {month}"),
    "summary_note": (
        "[a; b]: the 95 % interval of the value before it, in its unit. pp: percentage points, "
        "the difference of two percentages (75 % to 80 % is +5 pp). n: the answers behind a "
        "figure; overall and effort are optional, so CSAT and CES have fewer than understood "
        "and helped, and the response rate counts invitations delivered. CES: mean agreement "
        "with “It was easy to get my issue handled” (1–7), with Student’s t-interval; its "
        "change with Welch’s.",
        "[a; b]: das 95-%-Intervall des Werts davor, in seiner Einheit. Pp.: Prozentpunkte, "
        "die Differenz zweier Prozentwerte (von 75 % auf 80 % sind +5 Pp.). n: die Antworten "
        "hinter einem Wert; Gesamturteil und Aufwand sind freiwillig, daher haben CSAT und CES "
        "weniger als Verstanden und Geholfen, und die Rücklaufquote zählt zugestellte "
        "Einladungen. CES: mittlere Zustimmung zu „Es war einfach, mein Anliegen zu klären“ "
        "(1–7), mit dem t-Intervall nach Student; seine Veränderung mit dem nach Welch.",
    ),
    "both": ("Helped and understood", "Geholfen und verstanden"),
    "helped_only": (
        "Helped only (solution without empathy)",
        "Nur geholfen (Lösung ohne Empathie)",
    ),
    "understood_only": ("Understood only", "Nur verstanden"),
    "neither": ("Neither", "Weder noch"),
    "share": ("Share", "Anteil"),
    "team": ("Team", "Team"),
    "agent": ("Agent", "Mitarbeiter/in"),
    "channel": ("Channel", "Kanal"),
    "category": ("Category", "Kategorie"),
    "none": ("(none)", "(keine)"),
    "small": ("n < {n}", "n < {n}"),
    "small_note": (
        "Marked “n < {n}”: fewer than {n} responses, shown but never flagged. The tables are "
        "in name order, never ranked.",
        "Mit „n < {n}“ markiert: weniger als {n} Antworten, gezeigt, aber nie hervorgehoben. "
        "Die Tabellen sind nach Namen geordnet, nie nach Rang.",
    ),
    "agents_heading": ("Agents, by team and name", "Mitarbeitende nach Team und Name"),
    "more_rows": ("… and {n} more", "… und {n} weitere"),
    "no_data": ("No responses in this period.", "Keine Antworten in diesem Zeitraum."),
    "no_groups": (
        "No responses this month, so nothing to compare.",
        "Keine Antworten in diesem Monat, daher nichts zu vergleichen.",
    ),
    "new_install": (
        "This installation has no survey responses yet. The report fills in as customers answer.",
        "Diese Installation hat noch keine Antworten. Der Bericht füllt sich, "
        "sobald Kunden antworten.",
    ),
    "empty_month": (
        "No responses were recorded in {month}.",
        "Im {month} wurden keine Antworten erfasst.",
    ),
    "headline": (
        "In {month}, {u} of the customers who answered felt understood and {h} felt helped "
        "(n = {n}).",
        "Im {month} fühlten sich {u} der Antwortenden verstanden; {h} wurde gut geholfen "
        "(n = {n}).",
    ),
    "rose": (
        "{what} rose by {d} compared with {month}; the interval excludes zero, "
        "so this is a clear change.",
        "{what} stieg gegenüber {month} um {d}; das Intervall schließt null aus, "
        "also eine klare Veränderung.",
    ),
    "fell": (
        "{what} fell by {d} compared with {month}; the interval excludes zero, "
        "so this is a clear change.",
        "{what} sank gegenüber {month} um {d}; das Intervall schließt null aus, "
        "also eine klare Veränderung.",
    ),
    "no_change": (
        "Compared with {month}, understood and helped show no clear change.",
        "Gegenüber {month} zeigen Verstanden und Geholfen keine klare Veränderung.",
    ),
    "no_previous": (
        "There were no responses in {month} to compare with.",
        "Im {month} gab es keine Antworten zum Vergleich.",
    ),
    "gap": (
        "{share} felt helped but not understood (solution without empathy).",
        "{share} der Antwortenden wurde geholfen, ohne dass sie sich verstanden fühlten "
        "(Lösung ohne Empathie).",
    ),
    "few": (
        "With only n = {n}, every figure here is very uncertain.",
        "Bei nur n = {n} sind alle Werte hier sehr unsicher.",
    ),
    "quadrant_month": ("{month}, n = {n}", "{month}, n = {n}"),
    "quadrant_trend": (
        "Quadrant shares per month, {first} to {last}",
        "Anteile der Quadranten je Monat, {first} bis {last}",
    ),
    "scatter_title": (
        "Teams: helped against understood (point size = n; axes cover the data only)",
        "Teams: Geholfen gegen Verstanden (Punktgröße = n; Achsen zeigen nur den Datenbereich)",
    ),
    "funnel_heading_team": ("Teams compared: funnel plots", "Teams im Vergleich: Funnel-Plots"),
    "funnel_heading_agent": (
        "Agents compared: funnel plots",
        "Mitarbeitende im Vergleich: Funnel-Plots",
    ),
    "funnel_title": ("{measure} (all together {target})", "{measure} (alle zusammen {target})"),
    "funnel_x": ("n (answers)", "n (Antworten)"),
    "funnel_caption_team": (
        "One dot per team: its share against its number of answers n. Solid line: the share "
        "of all teams together; dashed: 95 % limits, dotted: 99.8 % limits, exact binomial "
        "quantiles around that share (Spiegelhalter, Statistics in Medicine 24, 2005). A team "
        "outside the limits differs by more than chance explains; inside, it is within expected "
        "variation, whatever its rank would be. The funnel is wide where n is small. Hollow dots: "
        "fewer than {n} responses, never flagged.",
        "Ein Punkt je Team: sein Anteil über der Zahl seiner Antworten n. Durchgezogene Linie: "
        "der Anteil aller Teams zusammen; gestrichelt: 95-%-Grenzen, gepunktet: 99,8-%-Grenzen, "
        "exakte Binomialquantile um diesen Anteil (Spiegelhalter, Statistics in Medicine 24, "
        "2005). Ein Team außerhalb der Grenzen weicht stärker ab, als der Zufall erklärt; "
        "innerhalb liegt es im Rahmen der erwarteten Streuung, welchen Rang es auch hätte. Wo n "
        "klein ist, ist der Trichter weit. Hohle Punkte: weniger als {n} Antworten, nie "
        "hervorgehoben.",
    ),
    "funnel_caption_agent": (
        "One dot per agent: their share against their number of answers n. Solid line: the "
        "share of all agents together; dashed: 95 % limits, dotted: 99.8 % limits, exact "
        "binomial quantiles around that share (Spiegelhalter, Statistics in Medicine 24, 2005). "
        "An agent outside the limits differs by more than chance explains; inside, they are "
        "within expected variation, whatever their rank would be. The funnel is wide where n is "
        "small. Hollow dots: fewer than {n} responses, never flagged.",
        "Ein Punkt je Mitarbeiterin oder Mitarbeiter: der Anteil über der Zahl der Antworten n. "
        "Durchgezogene Linie: der Anteil aller zusammen; gestrichelt: 95-%-Grenzen, gepunktet: "
        "99,8-%-Grenzen, exakte Binomialquantile um diesen Anteil (Spiegelhalter, Statistics in "
        "Medicine 24, 2005). Wer außerhalb der Grenzen liegt, weicht stärker ab, als der Zufall "
        "erklärt; wer innerhalb liegt, liegt im Rahmen der erwarteten Streuung, welchen Rang er "
        "oder sie auch hätte. Wo n klein ist, ist der Trichter weit. Hohle Punkte: weniger als "
        "{n} Antworten, nie hervorgehoben.",
    ),
    "funnel_outside": (
        "{measure}, outside the 95 % limits: {units}.",
        "{measure}, außerhalb der 95-%-Grenzen: {units}.",
    ),
    "funnel_all_within": (
        "{measure}: all within expected variation.",
        "{measure}: alle im Rahmen der erwarteten Streuung.",
    ),
    "funnel_above": ("higher than expected", "höher als erwartet"),
    "funnel_below": ("lower than expected", "niedriger als erwartet"),
    "funnel_beyond_998": ("beyond 99.8 % too", "auch jenseits von 99,8 %"),
    "funnel_within_team": (
        "Within expected variation on both measures: {k} of {m} teams. Of {c} such "
        "comparisons, about {e} fall outside the 95 % limits by chance alone.",
        "Bei beiden Kennzahlen im Rahmen der erwarteten Streuung: {k} von {m} Teams. Von {c} "
        "solchen Vergleichen liegen etwa {e} allein durch Zufall außerhalb der 95-%-Grenzen.",
    ),
    "funnel_within_agent": (
        "Within expected variation on both measures: {k} of {m} agents. Of {c} such "
        "comparisons, about {e} fall outside the 95 % limits by chance alone.",
        "Bei beiden Kennzahlen im Rahmen der erwarteten Streuung: {k} von {m} Mitarbeitenden. "
        "Von {c} solchen Vergleichen liegen etwa {e} allein durch Zufall außerhalb der "
        "95-%-Grenzen.",
    ),
    "empathy_heading": (
        "Solution without empathy: helped, but not understood?",
        "Lösung ohne Empathie: geholfen, aber nicht verstanden?",
    ),
    "empathy_method": (
        "For each agent with at least {n} responses, the exact McNemar test compares the "
        "customers who were helped but did not feel understood (helped only) with those who "
        "felt understood but were not helped (understood only). The same customers answered "
        "both questions, so this is a paired comparison: two-sided, at the 5 % level. Agents "
        "compared: {k}; not compared (fewer responses): {s}. Even if no agent differed, "
        "about one in twenty would be flagged by chance: here about {e}.",
        "Für alle Mitarbeitenden mit mindestens {n} Antworten vergleicht der exakte "
        "McNemar-Test die Kunden, denen geholfen wurde, die sich aber nicht verstanden "
        "fühlten (nur geholfen), mit denen, die sich verstanden fühlten, denen aber nicht "
        "geholfen wurde (nur verstanden). Dieselben Kunden haben beide Fragen beantwortet; es "
        "ist also ein gepaarter Vergleich, zweiseitig auf dem 5-%-Niveau. Verglichen: {k} "
        "Mitarbeitende; nicht verglichen (zu wenige Antworten): {s}. Selbst wenn sich "
        "niemand unterschiede, fiele etwa jede zwanzigste Person zufällig auf: hier etwa {e}.",
    ),
    "empathy_none": (
        "No agent differs clearly in either direction this month.",
        "In diesem Monat fällt niemand in der einen oder anderen Richtung deutlich auf.",
    ),
    "empathy_no_helped": (
        "No agent is clearly more often helped than understood this month.",
        "In diesem Monat gibt es bei niemandem deutlich öfter „nur geholfen“ als „nur verstanden“.",
    ),
    "method_compare": (
        "Teams and agents are compared on funnel plots (Spiegelhalter 2005): each unit’s share "
        "against its n, with control limits at 95 % and 99.8 % around the share of all units "
        "together, exact binomial quantiles with interpolation. Units outside the 95 % limits are "
        "named with their direction; the others are within expected variation. Solution without "
        "empathy is tested per agent with the exact McNemar test (two-sided, 5 %) on the paired "
        "answers: helped only against understood only. Among many units some fall outside by "
        "chance: about one in twenty at 95 %. A unit counts as outside when its exact binomial "
        "tail probability is below 2.5 % (0.1 % for 99.8 %). The CES carries Student’s "
        "t-interval for a mean, its change Welch’s.",
        "Teams und Mitarbeitende werden in Funnel-Plots verglichen (Spiegelhalter 2005): der "
        "Anteil jeder Einheit über ihrem n, mit Kontrollgrenzen bei 95 % und 99,8 % um den "
        "Anteil aller Einheiten zusammen, exakte Binomialquantile mit Interpolation. Einheiten "
        "außerhalb der 95-%-Grenzen werden mit ihrer Richtung genannt; die übrigen liegen im "
        "Rahmen der erwarteten Streuung. Lösung ohne Empathie prüft je Person der exakte "
        "McNemar-Test (zweiseitig, 5 %) auf den gepaarten Antworten: nur geholfen gegen nur "
        "verstanden. "
        "Unter vielen Einheiten fallen einige zufällig heraus: bei 95 % etwa jede zwanzigste. "
        "Als außerhalb gilt eine Einheit, wenn ihr exakter einseitiger Binomial-p-Wert unter "
        "2,5 % liegt (unter 0,1 % für 99,8 %). Der CES trägt das t-Intervall nach Student "
        "für einen Mittelwert, seine Veränderung das nach Welch.",
    ),
    "helped_only_short": ("Helped only", "Nur geholfen"),
    "understood_only_short": ("Understood only", "Nur verstanden"),
    "empathy_helped": ("solution without empathy", "Lösung ohne Empathie"),
    "empathy_understood": ("listens, solves less", "hört zu, löst weniger"),
    "events_none": (
        "No events recorded in these 12 months.",
        "In diesen 12 Monaten sind keine Ereignisse erfasst.",
    ),
    "event": ("Event", "Ereignis"),
    "date": ("Date", "Datum"),
    "before": ("Before", "Vorher"),
    "after": ("After", "Nachher"),
    "windows": (
        "Windows of {w} weeks before and after each event; after minus before.",
        "Zeitfenster von je {w} Wochen vor und nach dem Ereignis; nachher minus vorher.",
    ),
    "change": ("Change [95 % interval]", "Differenz [95-%-Intervall]"),
    "controls": (
        "Understood % of the other teams over the same windows (not concerned by the event):",
        "Verstanden-Anteil der übrigen Teams in denselben Zeitfenstern (nicht betroffen):",
    ),
    "verdict_clear": ("clear change", "klare Veränderung"),
    "verdict_none": ("no clear change", "keine klare Veränderung"),
    "verdict_na": ("not enough data", "zu wenig Daten"),
    "everyone": ("everyone", "alle"),
    "needed": (
        "{n} responses this month needed a call back (understood or helped at {t} or below "
        "of 5, or the problem not solved); section 7 shows how the cases went.",
        "{n} Antworten dieses Monats brauchten einen Rückruf (Verstanden oder Geholfen mit {t} "
        "oder weniger von 5 oder das Problem nicht gelöst); wie die Fälle ausgingen, zeigt "
        "Abschnitt 7.",
    ),
    # -- 7 Follow-ups (csat.report.follow_ups) --
    "fu_rule": (
        "csat opens a case for every answer that needs a call back: understood or helped at "
        "{t} or below (of 5), or the problem not solved. A team lead claims the case, tries to "
        "reach the customer and closes it with an outcome; it is due {due}.",
        "csat eröffnet für jede Antwort, die einen Rückruf braucht, einen Fall: Verstanden oder "
        "Geholfen mit {t} oder weniger (von 5) oder das Problem nicht gelöst. Eine Teamleitung "
        "übernimmt den Fall, versucht den Kunden zu erreichen und schließt ihn mit einem "
        "Ergebnis ab; fällig ist er {due}.",
    ),
    "fu_due_hours": ("{h} hours after opening", "{h} Stunden nach der Eröffnung"),
    "fu_due_hour": ("1 hour after opening", "eine Stunde nach der Eröffnung"),
    "fu_due_range": (
        "{low} to {high} hours after opening (the setting changed during the month)",
        "{low} bis {high} Stunden nach der Eröffnung (die Einstellung wurde im Monat geändert)",
    ),
    "fu_due_setting": (
        "CSAT_FOLLOW_UP_HOURS after opening",
        "CSAT_FOLLOW_UP_HOURS nach der Eröffnung",
    ),
    "fu_none": (
        "No follow-up cases were opened in {month}.",
        "Im {month} wurden keine Rückruffälle eröffnet.",
    ),
    "fu_none_needed": (
        "No follow-up cases were opened in {month}, although responses needed a call back "
        "(n = {n}): cases are turned off (CSAT_FOLLOW_UPS) or kept in another system.",
        "Im {month} wurden keine Rückruffälle eröffnet, obwohl Antworten einen Rückruf "
        "brauchten (n = {n}): Die Fälle sind abgeschaltet (CSAT_FOLLOW_UPS) oder werden in "
        "einem anderen System geführt.",
    ),
    "fu_late": (
        "In other words: {share} of the customers whose case was due waited longer than the "
        "due time for their call back.",
        "Anders gesagt: {share} der Kunden, deren Fall fällig war, warteten länger als "
        "vorgesehen auf ihren Rückruf.",
    ),
    "fu_resolved": (
        "{share} of the closed cases ended with the concern resolved, {lost} without a "
        "conversation (not reachable or declined).",
        "{share} der abgeschlossenen Fälle endeten mit gelöstem Anliegen, {lost} ohne Gespräch "
        "(nicht erreicht oder abgelehnt).",
    ),
    "fu_pending": (
        "Cases not yet due on {date} count neither as in time nor as late (n = {n}).",
        "Fälle, die am {date} noch nicht fällig waren, zählen weder als rechtzeitig noch als "
        "verspätet (n = {n}).",
    ),
    "fu_how": (
        "How it is counted: a case belongs to the month it was opened in. In time: closed at "
        "or before its due time, among the cases closed by {date} or past their due time then. "
        "First contact: the first recorded attempt to reach the customer (a note marked as "
        "contact, or the closing), as the median time after opening. Open and overdue: the "
        "cases not closed at the end of the month, whatever month they were opened in, and "
        "those of them past their due time. Teams with fewer than {n} cases are shown, not "
        "ranked.",
        "So wird gezählt: Ein Fall gehört zum Monat seiner Eröffnung. Rechtzeitig: bis zur "
        "Fälligkeit abgeschlossen, unter den Fällen, die bis zum {date} abgeschlossen oder "
        "dann schon fällig waren. Erstkontakt: der erste erfasste Versuch, den Kunden zu "
        "erreichen (eine als Kontakt markierte Notiz oder der Abschluss), als Median der Zeit "
        "nach der Eröffnung. Offen und überfällig: die Fälle, die am Monatsende nicht "
        "abgeschlossen waren, gleich aus welchem Monat, und davon die, deren Frist abgelaufen "
        "war. Teams mit weniger als {n} Fällen werden gezeigt, aber nicht gereiht.",
    ),
    "fu_row_opened": ("Cases opened", "Eröffnete Fälle"),
    "fu_row_in_time": ("Closed within the due time", "Fristgerecht abgeschlossen"),
    "fu_row_median": ("Median time to first contact", "Zeit bis zum Erstkontakt (Median)"),
    "fu_row_never": ("Not contacted yet", "Noch nicht kontaktiert"),
    "fu_row_resolved": ("Reached, resolved", "Erreicht, gelöst"),
    "fu_row_not_resolved": ("Reached, not resolved", "Erreicht, nicht gelöst"),
    "fu_row_not_reachable": ("Not reachable", "Nicht erreicht"),
    "fu_row_declined": ("Declined to talk", "Gespräch abgelehnt"),
    "fu_row_open": ("Open at the end of the month", "Offen am Monatsende"),
    "fu_row_overdue": ("… of them overdue", "… davon überfällig"),
    "fu_col_opened": ("Opened", "Eröffnet"),
    "fu_col_in_time": ("In time", "Rechtzeitig"),
    "fu_col_contact": ("1st contact", "Erstkontakt"),
    "fu_col_open": ("Open", "Offen"),
    "fu_col_overdue": ("Overdue", "Überfällig"),
    "fu_col_resolved": ("Resolved", "Gelöst"),
    "fu_col_not_resolved": ("Not resolved", "Nicht gelöst"),
    "fu_col_not_reachable": ("Not reachable", "Nicht erreicht"),
    "fu_col_declined": ("Declined", "Abgelehnt"),
    "fu_col_still_open": ("Still open", "Noch offen"),
    "fu_minutes": ("{m} min", "{m} Min."),
    "fu_hours": ("{h} h", "{h} Std."),
    "fu_hours_minutes": ("{h} h {m} min", "{h} Std. {m} Min."),
    "fu_days": ("{d} days", "{d} Tage"),
    "comments": (
        "Selected comments, least understood first (verbatim; email addresses masked):",
        "Ausgewählte Kommentare, am wenigsten verstanden zuerst (wörtlich; "
        "E-Mail-Adressen maskiert):",
    ),
    "no_comments": ("No comments this month.", "Keine Kommentare in diesem Monat."),
    "shortened": ("[shortened]", "[gekürzt]"),
    "email": ("[email]", "[E-Mail]"),
    "scores": (
        "understood {u}, helped {h} · {team} · {channel}",
        "verstanden {u}, geholfen {h} · {team} · {channel}",
    ),
    "method": (
        "Scales: understood, helped and overall are answered on 1–5 (“solved”: yes = 5, "
        "partly = 3, no = 1); several items of one dimension are averaged and rounded half up. "
        "Effort is answered on 1–7 (higher = easier).\n"
        "Understood %, helped % and CSAT % are the shares of top-2-box answers (4–5 of 5) "
        "among the responses that answered that dimension; n is that number. CES is the mean "
        "effort score. The quadrants split the responses that answered both dimensions.\n"
        "Response rate: invitations delivered in the month that received a response.\n"
        "Every share carries a 95 % Wilson score interval. Changes (month to month, before/after "
        "an event) carry Newcombe’s hybrid score interval for a difference of proportions "
        "(method 10); when it contains zero we say “no clear change”. An event of one team is also "
        "shown for the other teams over the same windows, as a comparison.\n"
        "Comments are verbatim; □ stands for a character the report font cannot draw "
        "(most emoji).\n"
        "Groups with fewer than {n} responses are shown but never ranked or highlighted. "
        "Months are calendar months in UTC; a response counts in the month it was first given.",
        "Skalen: Verstanden, Geholfen und Gesamt werden auf 1–5 beantwortet („gelöst“: ja = 5, "
        "teilweise = 3, nein = 1); mehrere Fragen einer Dimension werden gemittelt und "
        "kaufmännisch gerundet. Aufwand wird auf 1–7 beantwortet (höher = einfacher).\n"
        "Verstanden %, Geholfen % und CSAT % sind die Anteile der Top-2-Antworten (4–5 von 5) "
        "unter den Antworten zu dieser Dimension; n ist deren Anzahl. CES ist der mittlere "
        "Aufwandswert. Die Quadranten teilen die Antworten, die beide Dimensionen beantwortet "
        "haben.\n"
        "Rücklaufquote: im Monat zugestellte Einladungen, die beantwortet wurden.\n"
        "Jeder Anteil trägt ein 95-%-Wilson-Score-Intervall. Veränderungen (zum Vormonat, "
        "vor/nach einem Ereignis) tragen Newcombes hybrides Score-Intervall für Differenzen von "
        "Anteilen (Methode 10); enthält es null, steht dort „keine klare Veränderung“. Ein "
        "Ereignis eines Teams wird zum Vergleich auch für die anderen Teams über dieselben "
        "Zeiträume gezeigt.\n"
        "Kommentare stehen wörtlich; □ steht für ein Zeichen, das die Berichtsschrift nicht "
        "darstellen kann (die meisten Emoji).\n"
        "Gruppen mit weniger als {n} Antworten werden gezeigt, aber nie gereiht oder "
        "hervorgehoben. Monate sind Kalendermonate in UTC; eine Antwort zählt im Monat ihrer "
        "ersten Abgabe.",
    ),
}


class Words:
    """Strings, numbers and dates for one report language."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported report language {lang!r}; use one of {LANGUAGES}")
        self.lang = lang
        self.locale = Locale.parse(lang)
        pattern = self.locale.percent_formats[None].pattern
        self._percent = {0: pattern, 1: pattern.replace("0", "0.0", 1)}

    def __call__(self, key: str, **values: object) -> str:
        """The string ``key`` in this language, formatted with ``values``."""
        text = _STRINGS[key][LANGUAGES.index(self.lang)]
        return text.format(**values) if values else text

    def percent(self, value: float | None, digits: int = 1) -> str:
        """``0.824`` as ``82.4%`` (en) or ``82,4 %`` (de); a dash without data."""
        if value is None:
            return "–"
        return format_percent(value, format=self._percent[digits], locale=self.locale)

    def points(self, value: float | None) -> str:
        """A signed difference of shares in percentage points: ``+3.1 pp`` / ``+3,1 Pp.``."""
        if value is None:
            return "–"
        number = format_decimal(value * 100, format="+#,##0.0;−#,##0.0", locale=self.locale)
        return f"{number} {'pp' if self.lang == 'en' else 'Pp.'}"

    def decimal(self, value: float | None, *, signed: bool = False) -> str:
        """A number with one decimal in the locale (``3,7``)."""
        if value is None:
            return "–"
        pattern = "+#,##0.0;−#,##0.0" if signed else "#,##0.0"
        return format_decimal(value, format=pattern, locale=self.locale)

    def p_value(self, value: float) -> str:
        """A p-value with three decimals, cut (not rounded) so that a p below 0.05 never
        reads 0.050; ``< 0.001`` below that."""
        if value < 0.001:
            return f"< {format_decimal(0.001, format='0.000', locale=self.locale)}"
        return format_decimal(math.floor(value * 1000) / 1000, format="0.000", locale=self.locale)

    def integer(self, value: int) -> str:
        """An integer with the locale's grouping (``1,234`` / ``1.234``)."""
        return format_decimal(value, format="#,##0", locale=self.locale)

    def bracket(self, low: float, high: float, *, signed: bool = False) -> str:
        """An interval in the report's one notation, ``[76.1; 87.5]``: the unit is the value's."""
        return f"[{self.decimal(low, signed=signed)}; {self.decimal(high, signed=signed)}]"

    def span(self, low: float, high: float) -> str:
        """An interval of shares in percent, ``[76.1; 87.5]``."""
        return self.bracket(low * 100, high * 100)

    def month(self, day: date) -> str:
        """``October 2026`` / ``Oktober 2026``."""
        return format_date(day, "MMMM yyyy", locale=self.locale)

    def short_month(self, day: date) -> str:
        """A month as an axis label: ``Oct`` / ``Okt.`` with the year's last digits."""
        return format_date(day, "MMM yy", locale=self.locale)

    def date(self, day: date) -> str:
        """A date in the locale's medium format."""
        return format_date(day, "medium", locale=self.locale)
