"""csat end to end on SQLite: create the database, invite, send, answer, summarise.

Run with ``make demo`` (or ``python examples/quickstart.py --db sqlite:///demo.db``).
It uses only the public, Flask-free API, so it doubles as a worked example.
"""

from __future__ import annotations

import argparse
import os
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from csat import FixedClock, InviteRequest, Reason, SurveyService
from csat.delivery import DirectorySender
from csat.migrate import upgrade
from csat.models import Response

DEMO_SECRET = "demo-only-secret-key-do-not-use-in-production"
AGENTS = {
    "1st Level": ["ana", "ben", "chris"],
    "2nd Level": ["dana", "emre"],
    "Field Service": ["fritz"],
}
COMMENTS = [
    "Schnell und freundlich, danke!",
    "Took three calls before anyone listened.",
    "Alles super 👍",
    "The fix cost us $0 and 5 minutes – great.",
    "Ich hatte das Gefühl, nicht ernst genommen zu werden.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="sqlite:///demo.db", help="database URL")
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--outbox", default="outbox", help="where the emails are written")
    args = parser.parse_args()

    secret = os.environ.get("CSAT_SECRET_KEY", DEMO_SECRET)
    rng = random.Random(args.seed)
    clock = FixedClock(datetime(2026, 10, 31, 18, 0, tzinfo=UTC))

    upgrade(args.db)  # the shipped Alembic migrations create the tables
    service = SurveyService(
        args.db,
        secret_key=secret,
        clock=clock,
        exclude_addresses=("*@helpdesk.example.com",),
        base_url="http://127.0.0.1:5000/feedback",  # where `make serve` mounts the pages
        mail_from="IT Support <support@example.com>",
    )
    service.opt_out("no.surveys@example.com")
    service.add_event(
        "Communication training, part 1", datetime(2026, 10, 12).date(), team="1st Level"
    )

    # A nightly import of the month's resolved tickets, set-based.
    requests = []
    for i in range(args.tickets):
        team = rng.choice(list(AGENTS))
        customer = rng.randrange(120)
        email = {0: "no.surveys@example.com", 1: "ana@helpdesk.example.com"}.get(
            customer, f"customer{customer}@example.com"
        )
        requests.append(
            InviteRequest(
                ticket_id=f"INC-{10_000 + i}",
                email=email,
                agent=rng.choice(AGENTS[team]),
                team=team,
                channel=rng.choice(["phone", "ticket", "chat"]),
                category=rng.choice(["password", "network", "printer", "software"]),
                resolved_at=clock() - timedelta(hours=rng.uniform(0.1, 30 * 24)),
                locale=rng.choice(["de", "en"]),
            )
        )
    results = service.invite_many(requests)
    reasons = Counter(r.reason for r in results)

    # The outbox: `csat send` from cron does this; here the emails become .eml files.
    delivery = service.send_due(DirectorySender(args.outbox))

    # About a quarter of the customers answer, through the same API the pages use.
    answered = 0
    for result in results:
        if result.token is None or rng.random() > 0.25:
            continue
        understood = rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 3, 5, 5])[0]
        answers: dict[str, object] = {
            "understood": understood,
            "solved": rng.choice(["yes", "yes", "partly", "no"]),
            "helped": rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 5, 6])[0],
            "overall": max(1, min(5, understood + rng.choice([-1, 0, 0, 1]))),
        }
        if rng.random() < 0.3:
            answers["comment"] = rng.choice(COMMENTS)
        service.record(result.token, answers)
        answered += 1

    print(f"csat demo on {args.db}")
    print(f"  tickets imported:  {len(results)}")
    for reason in Reason:
        if reasons[reason]:
            print(f"    {reason.value:<17} {reasons[reason]}")
    print(f"  emails sent:       {delivery.sent} (written to {args.outbox}/*.eml)")
    print(f"  responses stored:  {answered}")
    with Session(service.engine) as session:
        top2 = func.sum(case((Response.understood_score >= 4, 1), else_=0))
        helped = func.sum(case((Response.helped_score >= 4, 1), else_=0))
        rows = session.execute(
            select(Response.team, func.count(), top2, helped)
            .group_by(Response.team)
            .order_by(Response.team)
        ).all()
    print("  by team            n   understood  helped")
    for team, n, u, h in rows:
        print(f"    {team:<15} {n:>3}   {100 * u / n:>8.1f} %  {100 * h / n:>5.1f} %")
    example = next(r for r in results if r.url is not None)
    print(f"  a survey link:     {example.url}")
    report = service.report(datetime(2026, 10, 1).date(), "reports/csat-2026-10.pdf", lang="de")
    print(f"  monthly report:    {report.path} ({report.pages} pages)")
    print("  survey pages:      make serve, then open the link above")


if __name__ == "__main__":
    main()
