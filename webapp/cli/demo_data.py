"""The demo team's data for `flask --app webapp seed-demo`: hand-written, realistic copy for a
fictional invoicing product ("Ledgerly"), so a new install shows a living app.

Plain dicts in the services' snake_case shapes (generation settings as top-level keys). Dates are
offsets in days from today, so the demo always looks current.
"""
from __future__ import annotations

from decimal import Decimal

# .local is a special-use domain that email validation (ours and WTForms') refuses; .example is
# reserved for documentation (RFC 2606), so it can never reach a real inbox.
DEMO_EMAIL = "demo@herald.example"
DEMO_NAME = "Demo Owner"
DEMO_TEAM = "Demo Team"

PERSONAS: list[dict] = [
    {
        "name": "Agency Owner Olivia",
        "role": "Founder & Managing Director, 12-person design agency",
        "demographics": "34–45, runs a profitable studio in a mid-size city; manages cash flow herself; "
                        "reads LinkedIn on the train and email at 7 am.",
        "goals": "Get paid on time without chasing clients; spend Fridays on design reviews instead of "
                 "spreadsheets; grow to 20 people without hiring a bookkeeper.",
        "pain_points": "Invoices paid 45+ days late; awkward reminder emails to long-time clients; "
                       "three tools that don't talk to each other (time tracking, proposals, accounting).",
        "objections": "\"We tried an invoicing app before and the team never logged their hours.\" "
                      "Worries that automated reminders feel rude to clients.",
        "preferred_channels": ["linkedin", "email", "instagram"],
        "voice_notes": "Warm, direct, a little wry. Respect her craft; never say 'synergy'. "
                       "Short sentences, concrete numbers.",
    },
    {
        "name": "Finance Lead Marcus",
        "role": "Head of Finance, 80-person management consultancy",
        "demographics": "38–52, CPA, owns month-end close and the audit; reports to the CFO; "
                        "evaluates tools with a spreadsheet of requirements.",
        "goals": "Close the books in 3 days instead of 8; clean audit trail; fewer manual journal entries.",
        "pain_points": "Partners approve time late, so billing slips; revenue recognition by hand; "
                       "exports that break when a column moves.",
        "objections": "Security review and SSO are non-negotiable; migration risk in the middle of a fiscal year.",
        "preferred_channels": ["email", "linkedin"],
        "voice_notes": "Precise and calm. Lead with outcomes and controls, back every claim with a number, "
                       "no exclamation marks.",
    },
    {
        "name": "Freelancer Priya",
        "role": "Independent UX consultant",
        "demographics": "27–36, works with 3–6 clients at a time across time zones; bills hourly and by project.",
        "goals": "Send a professional invoice in under two minutes; know what's overdue at a glance; "
                 "keep tax time painless.",
        "pain_points": "Invoicing from a word-processor template; forgetting to bill small change requests; "
                       "currency conversion for overseas clients.",
        "objections": "Price: every subscription adds up. Doesn't want another app to learn.",
        "preferred_channels": ["twitter", "instagram", "email"],
        "voice_notes": "Friendly, peer-to-peer, practical. Plain words, one idea per sentence.",
    },
]

CAMPAIGNS: list[dict] = [
    {
        "name": "Spring Launch: Automatic Payment Reminders",
        "persona": "Agency Owner Olivia",
        "description": "Launch of Ledgerly's automatic, polite payment reminders for agencies. Goal: 40,000 "
                       "qualified impressions and 1,500 visits to the feature page in six weeks.",
        "objective": "awareness",
        "status": "active",
        "budget": Decimal("12000.00"),
        "currency": "USD",
        "start_offset": -14,
        "end_offset": 28,
        "tone": "warm, confident",
        "keywords": "payment reminders, get paid faster, agency invoicing, cash flow",
        "content_types": ["social_post", "ad_copy"],
        "platforms": ["linkedin", "twitter", "meta_ads"],
        "creativity_level": 7,
        "include_visuals": True,
        "custom_instructions": "Mention that reminders are sent from the agency's own email address. "
                               "Avoid the word 'chase'.",
        "content": [
            {
                "content_type": "social_post",
                "platform": "linkedin",
                "status": "approved",
                "body": "Our clients love us. They also paid us an average of 47 days late last year.\n\n"
                        "So we stopped writing awkward \"just following up\" emails and let Ledgerly do it: "
                        "friendly reminders, sent from our own address, on a schedule we chose once.\n\n"
                        "Three months in, average payment time is down to 19 days, and nobody on the team "
                        "has had to write a reminder since.\n\n"
                        "If you run an agency and your cash flow depends on other people's inboxes, "
                        "automatic payment reminders are worth ten minutes of your Friday. "
                        "See how they work at ledgerly.example/reminders",
                "call_to_action": "See how reminders work",
                "hashtags": ["AgencyLife", "CashFlow", "Invoicing", "SmallBusiness"],
            },
            {
                "content_type": "social_post",
                "platform": "twitter",
                "status": "approved",
                "body": "Agency owners: how many hours did you spend writing \"gentle reminder\" emails last "
                        "month? Ledgerly sends polite payment reminders from your own address, so you get "
                        "paid faster without the awkward part.",
                "call_to_action": "Try it free",
                "hashtags": ["GetPaidFaster", "AgencyLife"],
            },
            {
                "content_type": "ad_copy",
                "platform": "meta_ads",
                "status": "draft",
                "body": "Late invoices? Ledgerly sends friendly payment reminders from your own email, "
                        "so you get paid in days, not months.",
                "headlines": ["Get paid 28 days sooner", "Polite reminders on autopilot"],
                "descriptions": ["Free for 30 days", "Set up in 10 minutes"],
                "call_to_action": "Learn More",
            },
        ],
    },
    {
        "name": "Q3 Webinar: Close the Books in 3 Days",
        "persona": "Finance Lead Marcus",
        "description": "A live 45-minute webinar with a customer's finance team on shortening month-end close. "
                       "Target: 400 registrations from finance leaders at consultancies.",
        "objective": "consideration",
        "status": "active",
        "budget": Decimal("8500.00"),
        "currency": "USD",
        "start_offset": -7,
        "end_offset": 21,
        "tone": "professional, precise",
        "keywords": "month-end close, revenue recognition, audit trail, professional services finance",
        "content_types": ["email", "social_post", "ad_copy"],
        "platforms": ["email", "linkedin"],
        "creativity_level": 4,
        "include_visuals": False,
        "custom_instructions": "Webinar date: the third Thursday of next month, 16:00 UTC. Speaker: Dana Whitfield, "
                               "Controller at Northgate Advisory.",
        "content": [
            {
                "content_type": "email",
                "platform": "email",
                "status": "approved",
                "subject_line": "How Northgate closes the books in 3 days",
                "preheader": "A 45-minute session with their controller on approvals, accruals and the audit trail.",
                "body": "Hi {{first_name}},\n\n"
                        "Month-end at most consultancies takes eight working days. At Northgate Advisory it "
                        "takes three.\n\n"
                        "On our next webinar, Dana Whitfield, Controller at Northgate, walks through exactly "
                        "what changed:\n\n"
                        "- Time approvals that happen in the week, not at month-end\n"
                        "- Revenue recognition rules set once per engagement, applied automatically\n"
                        "- An audit trail your auditors can read without a walkthrough\n\n"
                        "It is 45 minutes, with 15 minutes for questions, and a recording for everyone who "
                        "registers.\n\n"
                        "Reserve your seat and bring your hardest close question.\n\n"
                        "Best,\nThe Ledgerly team",
                "call_to_action": "Reserve your seat",
            },
            {
                "content_type": "email",
                "platform": "email",
                "status": "draft",
                "subject_line": "Tomorrow: closing the books in 3 days",
                "preheader": "Your seat is saved. Here is the agenda and a question to think about beforehand.",
                "body": "Hi {{first_name}},\n\n"
                        "A quick reminder that the webinar with Dana Whitfield from Northgate Advisory is "
                        "tomorrow at 16:00 UTC.\n\n"
                        "Agenda:\n"
                        "1. Where the eight days went (10 minutes)\n"
                        "2. Approvals, accruals and recognition rules (20 minutes)\n"
                        "3. What the auditors asked for, and how it was answered (15 minutes)\n\n"
                        "One question to think about beforehand: which step of your close waits on someone "
                        "outside finance?\n\n"
                        "See you there,\nThe Ledgerly team",
                "call_to_action": "Add to calendar",
            },
            {
                "content_type": "social_post",
                "platform": "linkedin",
                "status": "approved",
                "body": "Eight days to close the month is normal for a consultancy. It doesn't have to be.\n\n"
                        "Dana Whitfield, Controller at Northgate Advisory, cut their close to three days "
                        "without adding headcount. On our webinar she'll show the approval workflow, the "
                        "revenue recognition rules and the audit trail that made it possible.\n\n"
                        "45 minutes, live Q&A, recording for every registrant.",
                "call_to_action": "Register for the webinar",
                "hashtags": ["Finance", "MonthEndClose", "Accounting", "ProfessionalServices"],
            },
            {
                "content_type": "ad_copy",
                "platform": "linkedin",
                "status": "draft",
                "body": "Northgate Advisory closes the books in 3 days, not 8. Their controller shows how in a "
                        "45-minute live session for finance leaders.",
                "headlines": ["Webinar: Close the books in 3 days"],
                "descriptions": ["Approvals, revenue recognition and a clean audit trail, from a controller "
                                 "who did it."],
                "call_to_action": "Register",
            },
        ],
    },
    {
        "name": "Freelancer Free-Trial Push",
        "persona": "Freelancer Priya",
        "description": "Search and email push for the 30-day free trial among independent consultants. "
                       "Closed at 1,240 trials against a target of 1,000.",
        "objective": "conversion",
        "status": "completed",
        "budget": Decimal("4200.00"),
        "currency": "GBP",
        "start_offset": -90,
        "end_offset": -30,
        "tone": "friendly, practical",
        "keywords": "freelance invoice, invoice template, free trial, multi-currency invoicing",
        "content_types": ["email", "ad_copy", "social_post"],
        "platforms": ["email", "google_ads", "twitter"],
        "creativity_level": 6,
        "include_visuals": False,
        "custom_instructions": "No credit card required for the trial; invoices in 30+ currencies.",
        "content": [
            {
                "content_type": "email",
                "platform": "email",
                "status": "approved",
                "subject_line": "Your next invoice, done in 2 minutes",
                "preheader": "Start a 30-day trial, no card needed. Bill clients in their own currency.",
                "body": "Hi {{first_name}},\n\n"
                        "If your invoices still start life as a copy of last month's document, this one's for "
                        "you.\n\n"
                        "With Ledgerly you can:\n\n"
                        "- Turn tracked hours into an invoice in two clicks\n"
                        "- Bill overseas clients in their currency, with the rate on the invoice\n"
                        "- See what's overdue the moment you log in\n\n"
                        "The trial is free for 30 days and you don't need a card to start. If it doesn't save "
                        "you an hour in the first month, you'll know.\n\n"
                        "Cheers,\nPriya's friends at Ledgerly",
                "call_to_action": "Start my free trial",
            },
            {
                "content_type": "ad_copy",
                "platform": "google_ads",
                "status": "approved",
                "headlines": ["Invoices in 2 Minutes", "Free 30-Day Trial", "No Credit Card Needed",
                              "Bill in 30+ Currencies", "Built for Freelancers"],
                "descriptions": ["Turn tracked hours into a polished invoice in two clicks. Try it free.",
                                 "See what's overdue at a glance and get paid in your client's currency."],
                "call_to_action": "Start free trial",
            },
            {
                "content_type": "social_post",
                "platform": "twitter",
                "status": "archived",
                "body": "Freelancers: the invoice template you copy every month is costing you an hour. "
                        "Ledgerly turns tracked hours into an invoice in two clicks, in your client's "
                        "currency. Free for 30 days, no card.",
                "call_to_action": "Start free",
                "hashtags": ["Freelance"],
            },
        ],
    },
    {
        "name": "Year-End Offer: 2 Months Free on Annual Plans",
        "persona": "Agency Owner Olivia",
        "description": "Year-end conversion offer for agencies on monthly plans: switch to annual, get two "
                       "months free. Planning stage; copy still to be written.",
        "objective": "conversion",
        "status": "draft",
        "budget": Decimal("6000.00"),
        "currency": "EUR",
        "start_offset": 30,
        "end_offset": 60,
        "tone": "upbeat, clear",
        "keywords": "annual plan, year-end offer, save on invoicing software",
        "content_types": ["email", "ad_copy"],
        "platforms": ["email", "google_ads", "meta_ads"],
        "creativity_level": 5,
        "include_visuals": True,
        "custom_instructions": "Offer ends on 31 December. State the saving in euros (€98 on the Studio plan).",
        "content": [
            {
                "content_type": "email",
                "platform": "email",
                "status": "draft",
                "subject_line": "Two months of Ledgerly, on us",
                "preheader": "Switch to an annual plan before 31 December and keep €98 in the studio budget.",
                "body": "Hi {{first_name}},\n\n"
                        "A small thank-you before the year ends: switch your studio to an annual plan before "
                        "31 December and the last two months are on us.\n\n"
                        "On the Studio plan that's €98 back in your budget, the same reminders, time tracking "
                        "and reports you use today, and one less renewal to think about.\n\n"
                        "Switching takes one click from Settings → Billing; your invoices, clients and "
                        "history stay exactly where they are.\n\n"
                        "Happy year-end,\nThe Ledgerly team",
                "call_to_action": "Switch to annual",
            },
        ],
    },
]
