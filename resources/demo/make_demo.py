#!/usr/bin/env python3
"""Generate the reviewdesk demo data set: ``generations.jsonl`` next to this file.

The data imitates a few weeks of production traffic of four prompt templates
(support refunds, clinical note summaries, a text-to-SQL assistant and product
copy), as flagged by a set of validators, with part of it already reviewed.

Deterministic (``random.Random(20261127)``), standard library only, Python 3.11+.

    python resources/demo/make_demo.py
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
import unicodedata
import uuid
from pathlib import Path

SEED = 20261127
N_RECORDS = 336
N_DECIDED = 136          # items with at least one decision (~40 %)
N_DOUBLE = 40            # of those, items reviewed by two reviewers
SHOWCASE_INDEX = 57      # 0-based position of the hand-written showcase record
OUT = Path(__file__).resolve().with_name("generations.jsonl")

rng = random.Random(SEED)

START = dt.datetime(2026, 11, 2, 0, 0, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 25, 23, 59, tzinfo=dt.UTC)
DECISION_CAP = dt.datetime(2026, 11, 26, 17, 45, tzinfo=dt.UTC)

SEVERITIES = ("info", "warning", "error", "critical")
SEV_LEVEL = {s: i + 1 for i, s in enumerate(SEVERITIES)}

# --------------------------------------------------------------------------- helpers


def pick(seq):
    return rng.choice(seq)


def chance(p: float) -> bool:
    return rng.random() < p


def weighted(options):
    """options: list of (value, weight)."""
    total = sum(w for _, w in options)
    x = rng.random() * total
    for value, w in options:
        x -= w
        if x < 0:
            return value
    return options[-1][0]


def uniform(lo, hi, nd=0):
    v = rng.uniform(lo, hi)
    return int(round(v)) if nd == 0 else round(v, nd)


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slug(name: str) -> str:
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", s.lower())


def join_and(items):
    items = list(items)
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def cap1(s: str) -> str:
    if len(s) > 1 and s[1].isupper():      # eGFR, pH ...
        return s
    return s[:1].upper() + s[1:]


def iban(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(digits) % 97
    raw = f"{country}{check:02d}{bban}"
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def random_iban() -> str:
    kind = pick(["DE", "GB", "NL", "FR", "ES"])
    d = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731
    if kind == "DE":
        return iban("DE", d(8) + d(10))
    if kind == "GB":
        return iban("GB", pick(["NWBK", "BARC", "MIDL", "LOYD"]) + d(6) + d(8))
    if kind == "NL":
        return iban("NL", pick(["ABNA", "INGB", "RABO"]) + d(10))
    if kind == "FR":
        return iban("FR", d(10) + d(11) + d(2))
    return iban("ES", d(4) + d(4) + d(2) + d(10))


def random_phone(style=None) -> str:
    style = style or pick(["us", "us", "uk_land", "uk_mob"])
    if style == "us":
        area = pick(["415", "212", "312", "206", "617", "512"])
        return pick([f"+1 ({area}) 555-01{rng.randint(0, 99):02d}",
                     f"({area}) 555-01{rng.randint(0, 99):02d}",
                     f"+1 {area}-555-01{rng.randint(0, 99):02d}"])
    if style == "uk_land":
        return pick([f"020 7946 0{rng.randint(0, 999):03d}", f"+44 20 7946 0{rng.randint(0, 999):03d}"])
    return pick([f"07700 900{rng.randint(0, 999):03d}", f"+44 7700 900{rng.randint(0, 999):03d}"])


FEMALE_NAMES = [
    "Priya", "Aisha", "Yuki", "Grace", "Sofia", "Mei", "Hannah", "Elena", "Fatima", "Ingrid", "Chloe",
    "Zanele", "Leila", "Nadia", "Freya", "Amara", "Camila", "Esther", "Gabriela", "Isla", "Keiko", "Lucía",
    "Niamh", "Paulina", "Rosa", "Thandiwe", "Valentina",
]
MALE_NAMES = [
    "Daniel", "Marcus", "Tomás", "Olumide", "Liam", "Rahul", "Kwame", "Jonas", "Noah", "Diego", "Arjun",
    "Mateo", "Owen", "Samuel", "Hiroshi", "Ben", "Dmitri", "Felix", "Hugo", "Jamal", "Malik", "Oscar",
    "Stefan",
]
FIRST_NAMES = FEMALE_NAMES + MALE_NAMES
LAST_NAMES = [
    "Okafor", "Lindqvist", "Moreau", "Nakamura", "Castillo", "Brennan", "Haddad", "Novak", "Osei",
    "Fischer", "Kowalski", "Reyes", "Abernathy", "Chaudhry", "Delgado", "Eriksen", "Fitzgerald",
    "Gallagher", "Ibrahim", "Jensen", "Kaur", "Larsen", "Mbeki", "Nguyen", "O'Connell", "Petrov",
    "Quinn", "Rossi", "Sato", "Thornton", "Ueda", "Varga", "Whitfield", "Yilmaz", "Zhou",
    "Adeyemi", "Bianchi", "Carvalho", "Dubois", "Ekström", "Horvat", "Mensah", "Sandoval",
]
STAFF = [
    "Marisol Vega", "Tobias Lund", "Keisha Hargrove", "Ravi Menon", "Ana Lúcia Prado",
    "Declan Byrne", "Yara Haddad", "Pieter de Vries", "Joanna Wiśniewska", "Sam Okoye",
    "Hélène Marchand", "Connor Walsh",
]
CUSTOMER_DOMAINS = ["example.com", "example.net", "example.org", "mail.example.com"]


def person(sex=None):
    pool = {"F": FEMALE_NAMES, "M": MALE_NAMES}.get(sex, FIRST_NAMES)
    return pick(pool), pick(LAST_NAMES)


def customer_email(first, last):
    sep = pick([".", "_", ""])
    tail = pick(["", "", str(rng.randint(1, 99)), str(rng.randint(1970, 2004))])
    return f"{slug(first)}{sep}{slug(last)}{tail}@{pick(CUSTOMER_DOMAINS)}"


def staff_email(full):
    parts = full.split()
    return f"{slug(parts[0])}.{slug(parts[-1])}@northwind-home.com"


# --------------------------------------------------------------------------- document builder
#
# An output is built from blocks. Every sentence / list item is a pair
# (original, fixed): the original goes into the model output, the fixed text is
# what a reviewer's edit would contain (None = the reviewer deleted it).


class Doc:
    def __init__(self):
        self.blocks = []   # (kind, [pairs]) kind in p, ul, ol, raw, h

    def p(self, *sentences):
        pairs = [s if isinstance(s, tuple) else (s, s) for s in sentences if s]
        if pairs:
            self.blocks.append(("p", pairs))
        return pairs

    def ul(self, items, marker="-"):
        pairs = [s if isinstance(s, tuple) else (s, s) for s in items]
        self.blocks.append((("ul", marker), pairs))
        return pairs

    def ol(self, items):
        pairs = [s if isinstance(s, tuple) else (s, s) for s in items]
        self.blocks.append(("ol", pairs))
        return pairs

    def raw(self, text, fixed=None):
        self.blocks.append(("raw", [(text, text if fixed is None else fixed)]))

    def _render(self, idx):
        out = []
        for kind, pairs in self.blocks:
            texts = [pair[idx] for pair in pairs if pair[idx]]
            if not texts:
                continue
            if kind == "p":
                out.append(" ".join(texts))
            elif kind == "ol":
                out.append("\n".join(f"{i}. {t}" for i, t in enumerate(texts, 1)))
            elif isinstance(kind, tuple):
                out.append("\n".join(f"{kind[1]} {t}" for t in texts))
            else:
                out.append(texts[0])
        return "\n\n".join(out)

    def render(self):
        return self._render(0), self._render(1)


def flag(validator, code, severity, message, score, span_text=None, *, kind=None, fp=False):
    return {"validator": validator, "code": code, "severity": severity, "message": message,
            "score": round(score, 2), "span_text": span_text, "kind": kind or code, "fp": fp}


def sev(options, quality):
    """Pick a severity; better model/version (quality > 0) shifts weight to milder ones."""
    adj = []
    for s, w in options:
        lvl = SEV_LEVEL[s]
        adj.append((s, w * (1 + quality) ** (3 - lvl)))
    return weighted(adj)


# --------------------------------------------------------------------------- models

MODELS = {
    # $ per 1M tokens in/out, ms per output token, base latency, quality bias
    "gpt-4o-mini": dict(pin=0.15, pout=0.60, mspt=9.0, base=380, q=0.0),
    "gpt-4o": dict(pin=2.50, pout=10.00, mspt=15.0, base=520, q=0.4),
    "claude-3-5-haiku": dict(pin=0.80, pout=4.00, mspt=11.0, base=430, q=0.25),
    "llama-3.1-70b": dict(pin=0.88, pout=0.88, mspt=21.0, base=650, q=-0.3),
}


def approx_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 3.9))


def usage_for(prompt, output, model, extra_in=0):
    if isinstance(prompt, str):
        tin = approx_tokens(prompt) + 3
    else:
        tin = sum(approx_tokens(m["content"]) + 4 for m in prompt) + 3
    tin += extra_in
    tout = approx_tokens(output) + rng.randint(0, 6)
    m = MODELS[model]
    cost = (tin * m["pin"] + tout * m["pout"]) / 1_000_000
    latency = m["base"] + tout * m["mspt"] * rng.uniform(0.8, 1.35) + tin * 0.06
    if chance(0.05):
        latency *= rng.uniform(1.8, 3.0)      # occasional slow tail
    latency = int(min(9000, max(300, latency + rng.gauss(0, 120))))
    return {"input_tokens": tin, "output_tokens": tout, "cost_usd": round(cost, 6)}, latency


# =========================================================================== refund-policy

REFUND_POLICY = """Returns policy excerpts (Northwind Home, rev. 2026-09):
1. Most items can be returned within 30 days of delivery if unused and in the original packaging. A $6.95 return-shipping fee is deducted unless the item arrived damaged, is defective or we sent the wrong item.
2. Items that arrive damaged must be reported within 7 days of delivery, with photos. We then replace the item or refund it in full, including shipping.
3. Small appliances carry a 1-year warranty against defects. Warranty claims are resolved by repair or replacement, not by refund.
4. Gifts can be returned with the order number; the recipient receives store credit.
5. Refunds are issued to the original payment method within 5-7 business days after the warehouse receives the return. Card issuers may take up to 10 further days to post it.
6. Clearance items are final sale unless damaged or defective.
7. Support agents cannot approve refunds, fee waivers or exceptions themselves; exceptions are decided by the returns team."""

REFUND_SYSTEM = {
    "v6": ("You are Nora, the friendly customer support assistant for Northwind Home, an online store "
           "for kitchen appliances and home goods. Answer the customer's refund or return question in a "
           "warm, helpful way using the policy below. Try to resolve the issue in a single reply.\n\n"
           + REFUND_POLICY),
    "v7": ("You are the customer support assistant for Northwind Home. Answer refund and return "
           "questions strictly from the policy excerpts below.\n"
           "Rules:\n"
           "- Never promise a refund, fee waiver, exception, amount or timeline that the policy does not "
           "state. If an exception might apply, say that the returns team decides and offer to hand the "
           "case over.\n"
           "- Do not include names, e-mail addresses, phone numbers or bank details of staff or "
           "customers; refer to the help centre (northwind-home.com/help) instead.\n"
           "- Stay calm and respectful, even if the customer is upset.\n"
           "- At most three short paragraphs; use a numbered list only for step-by-step instructions.\n\n"
           + REFUND_POLICY),
}

REFUND_PRODUCTS = [
    # name, short name, price, parts
    ("Kestrel 1200 W blender", "blender", 89.00, ["glass jug", "blade assembly", "lid"]),
    ("Arden dual-boiler espresso machine", "espresso machine", 349.00, ["drip tray", "portafilter", "steam wand"]),
    ("Nimbus 5.5 L air fryer", "air fryer", 119.00, ["basket", "crisper plate", "control dial"]),
    ("Harlow 6-quart stand mixer", "stand mixer", 279.00, ["mixing bowl", "dough hook", "tilt-head latch"]),
    ("12-inch pre-seasoned cast-iron skillet", "skillet", 42.00, ["handle", "cooking surface"]),
    ("Orbit S3 robot vacuum", "robot vacuum", 329.00, ["charging dock", "side brush", "dust bin"]),
    ("four-slice stainless toaster", "toaster", 64.00, ["crumb tray", "lever", "browning dial"]),
    ("eight-piece Damascus knife set", "knife set", 189.00, ["knife block", "chef's knife", "honing rod"]),
    ("king-size linen duvet cover", "duvet cover", 149.00, ["button closure", "side seam"]),
    ("memory foam contour pillow", "pillow", 54.00, ["cover", "zip"]),
    ("cordless glass kettle", "kettle", 49.00, ["lid hinge", "power base", "limescale filter"]),
    ("11-cup food processor", "food processor", 159.00, ["work bowl", "slicing disc", "food pusher"]),
    ("20-pint dehumidifier", "dehumidifier", 229.00, ["water tank", "air filter", "control panel"]),
    ("induction rice cooker", "rice cooker", 139.00, ["inner pot", "steam vent", "lid seal"]),
    ("sous-vide immersion circulator", "sous-vide circulator", 129.00, ["clamp", "power cord", "display"]),
    ("16-piece stoneware dinner set", "dinner set", 98.00, ["dinner plates", "side bowls", "mugs"]),
    ("end-grain walnut cutting board", "cutting board", 75.00, ["rubber feet", "juice groove"]),
    ("Halo smart thermostat", "thermostat", 199.00, ["wall plate", "display", "wiring adapter"]),
    ("slow masticating juicer", "juicer", 249.00, ["auger", "strainer", "pulp container"]),
    ("electric milk frother", "milk frother", 39.00, ["whisk", "jug", "base"]),
    ("three-piece non-stick pan set", "pan set", 119.00, ["10-inch pan", "handle", "glass lid"]),
    ("15 lb weighted blanket", "weighted blanket", 99.00, ["outer cover", "stitching"]),
    ("HEPA air purifier", "air purifier", 179.00, ["filter", "fan", "control panel"]),
    ("cordless stick vacuum", "stick vacuum", 259.00, ["battery", "brush roll", "wall mount"]),
    ("conical burr coffee grinder", "coffee grinder", 129.00, ["bean hopper", "burr set", "grounds bin"]),
    ("6-quart electric pressure cooker", "pressure cooker", 109.00, ["sealing ring", "inner pot", "pressure valve"]),
    ("Belgian waffle maker", "waffle maker", 59.00, ["hinge", "cooking plates", "indicator light"]),
    ("bamboo bath towel set", "towel set", 69.00, ["hand towels", "bath sheets"]),
    ("digital kitchen scale", "kitchen scale", 29.00, ["display", "battery cover"]),
    ("cast-aluminium griddle pan", "griddle pan", 58.00, ["handle", "ridged surface"]),
]
COLORS = ["sage green", "matte black", "cream", "slate blue", "terracotta", "brushed steel", "charcoal", "oat"]

TIMELINE = [
    "Once the warehouse receives it, the refund is issued within 5–7 business days; your card issuer may take a few more days to show it.",
    "Refunds go out within 5–7 business days of the parcel reaching our warehouse, back to the original payment method.",
    "You'll get an e-mail as soon as the warehouse has checked it in, and the refund follows within 5–7 business days.",
]
OPENERS = ["Hi {first},", "Hi {first}, thanks for getting in touch.", "Hello {first},",
           "Thanks for reaching out, {first}.", "Hi there,", "Hi {first} — thanks for your message."]
CLOSERS = ["Let me know if there's anything else I can help with.",
           "Is there anything else I can do for you today?",
           "Happy to help with anything else.",
           "Thanks for shopping with Northwind Home.",
           "If you have any other questions, just reply here.",
           ""]

SITUATIONS = {
    "unopened": dict(
        days=(2, 27),
        user=[
            "Hi, can I return the {product}? It arrived {days} days ago and it's still sealed in the box.",
            "I ordered the {product} (order {order}) but changed my mind. Never opened it. How do I send it back and how much do I get back?",
            "Is it too late to return an unopened {product}? It was delivered {days} days ago.",
            "my sister already bought me one so I don't need the {product} anymore, box isn't even opened. can i get a refund",
        ],
        empathy=["No problem at all — plans change.", "Thanks for checking before opening it, that keeps things simple.",
                 "Good news: you're comfortably inside the return window.", ""],
        policy=["Because the {short} is unopened and was delivered {days} days ago, it qualifies for a standard return within our 30-day window.",
                "Unused items in their original packaging can be returned within 30 days of delivery, so your {short} is eligible.",
                "Unopened items can come back to us for any reason within 30 days of delivery, and you're on day {days}."],
        money=["For change-of-mind returns a $6.95 return-shipping fee is deducted, so you would receive ${net} back.",
               "The refund goes back to your original payment method, minus the $6.95 return label fee."],
        steps=[["Open **Orders** in your account and select order {order}.",
                "Choose **Return an item**, tick the {short} and pick \"No longer needed\" as the reason.",
                "Print the prepaid label and drop the parcel at any carrier location."],
               ["Start the return in the help centre (northwind-home.com/help → Returns).",
                "Pack the {short} in its original box.",
                "Attach the label we e-mail you and hand the parcel to the carrier within 14 days."]],
        timeline=True),
    "opened_unused": dict(
        days=(1, 25),
        user=[
            "I opened the {product} but never actually used it — it's just bigger than I expected. Can I still return it?",
            "Bought the {product} {days} days ago, took it out of the box, realised it doesn't fit on my counter. Everything is still there. Refund possible?",
            "Hello, the {product} I got is the wrong size for our kitchen. I only unpacked it. What are my options?",
        ],
        empathy=["That's frustrating when something doesn't fit the space you had planned for it.",
                 "Thanks for letting us know — that happens more often than you'd think.", ""],
        policy=["As long as the {short} is unused and you still have the original packaging and all accessories, you can return it within 30 days of delivery.",
                "Opened items are fine to return within 30 days, provided they haven't been used and everything goes back in the original box."],
        money=["A $6.95 return-shipping fee applies because this is a change-of-mind return.",
               "The refund will be ${net}, which is the purchase price minus the $6.95 return label."],
        steps=[["Repack the {short} with all accessories and manuals.",
                "Request a return label under **Orders → {order} → Return an item**.",
                "Drop it off within 14 days of printing the label."]],
        timeline=True),
    "used": dict(
        days=(6, 28),
        user=[
            "I've used the {product} a handful of times and honestly I just don't like it. Can I send it back for a refund?",
            "We tried the {product} for about two weeks and it's too loud for our flat. Return?",
            "Not happy with the {product}, results are mediocre. I've used it maybe 5 times. I want my money back.",
        ],
        empathy=["I'm sorry the {short} hasn't worked out for you.", "Sorry to hear it isn't what you hoped for.",
                 "I understand — it's disappointing when something doesn't live up to expectations."],
        policy=["Unfortunately our standard returns only cover unused items in their original packaging, so a used {short} can't be returned for a refund.",
                "Because the {short} has been used, it isn't eligible for a change-of-mind return under our policy.",
                "Our 30-day return window applies to unused items only, so I'm not able to offer a standard return here."],
        money=["If you believe the {short} isn't working as it should, it's covered by the 1-year warranty, which is handled by repair or replacement.",
               "If something is actually wrong with it, the 1-year warranty covers a repair or replacement."],
        steps=[["Describe the problem in a warranty request at northwind-home.com/help → Warranty.",
                "Add a short video or photos if you can.",
                "Our returns team will reply within two business days with next steps."]],
        timeline=False),
    "damaged": dict(
        days=(1, 6),
        user=[
            "My {product} arrived yesterday with a cracked {part}. Order {order}. What now?",
            "The box was crushed and the {part} of the {product} is broken. I have photos. I'd like a refund please.",
            "Hi, the {product} came damaged — the {part} is cracked right through. Do I need to send it back?",
            "Delivery driver obviously dropped it. {product}, {part} smashed. Very disappointed.",
        ],
        empathy=["I'm really sorry the {short} arrived damaged — that's not the experience we want you to have.",
                 "So sorry about the broken {part}; that must have been a disappointing unboxing.",
                 "Thank you for telling us so quickly, and sorry it arrived in that state."],
        policy=["Because you're reporting it within 7 days of delivery, you can choose between a free replacement and a full refund including shipping.",
                "Damage reported within 7 days is covered in full: we can send a replacement or refund the ${price} plus shipping.",
                "Items that arrive damaged are covered if reported within 7 days with photos, which you're well within."],
        money=["There is no return-shipping fee for damaged items.", ""],
        steps=[["Upload two or three photos of the damage and the outer box at northwind-home.com/help → Damaged item.",
                "Choose **Replacement** or **Refund**.",
                "We'll e-mail a free return label once the photos have been checked."],
               ["Reply to this conversation with photos of the {part} and the packaging.",
                "Tell us whether you'd prefer a replacement or a refund.",
                "Keep the item until the prepaid label arrives."]],
        timeline=True),
    "defective": dict(
        days=(40, 300),
        user=[
            "The {product} stopped working after {weeks} weeks. It just won't turn on. Is that covered?",
            "My {product} has started making a grinding noise and the {part} is loose. Bought it about {weeks} weeks ago. Can I get a refund?",
            "{product} died. Used normally, had it {weeks} weeks. I'd rather have my money back than another one of these.",
        ],
        empathy=["I'm sorry your {short} has stopped working properly.", "That's really annoying, especially after only {weeks} weeks.",
                 "Thanks for the details — that definitely doesn't sound right."],
        policy=["Small appliances come with a 1-year warranty against defects, so this is covered — warranty claims are resolved with a repair or a replacement rather than a refund.",
                "Your {short} is still inside its 1-year warranty. Under the warranty we repair or replace faulty items; refunds aren't part of the warranty process.",
                "This falls under the 1-year manufacturer warranty, which covers a repair or a like-for-like replacement."],
        money=["If you'd still prefer a refund, I can pass your request to the returns team, who decide on exceptions.", ""],
        steps=[["Open a warranty claim at northwind-home.com/help → Warranty.",
                "Include order number {order} and a short description or video of the fault.",
                "Once approved, we'll send a prepaid label for the faulty unit."]],
        timeline=False),
    "missing_parts": dict(
        days=(1, 12),
        user=[
            "The {product} arrived without the {part}. Order {order}.",
            "Opened the {product} today and there's no {part} in the box?? Can you send it or should I return the whole thing",
            "Missing {part} from my {product} order. Kind of useless without it.",
        ],
        empathy=["Sorry about that — a missing {part} makes the {short} pretty hard to use.", "Apologies, that shouldn't have happened.", ""],
        policy=["We can send the missing {part} separately at no cost, or, if you prefer, you can return the {short} with free return shipping since the order arrived incomplete.",
                "Incomplete orders are treated like damaged ones: you won't pay anything for return shipping, and we'll either send the missing {part} or take the {short} back."],
        money=[""],
        steps=[["Confirm the missing part in the help centre under **Orders → {order} → Report a problem**.",
                "Choose **Send missing part** or **Return item**."]],
        timeline=False),
    "wrong_item": dict(
        days=(1, 10),
        user=[
            "I ordered the {product} in {color} and you sent {other_color}. Order {order}.",
            "Wrong colour delivered — I picked {color} for the {short}, got {other_color}. Can you swap it?",
        ],
        empathy=["Sorry for the mix-up with the colour.", "Apologies — that's our mistake, not yours.", ""],
        policy=["Because we sent the wrong item, the return is free and we'll ship the {color} {short} as soon as the {other_color} one is on its way back.",
                "When we send the wrong item there's no return fee; you can swap it for the {color} version or get a full refund."],
        money=[""],
        steps=[["Request the exchange under **Orders → {order} → Return an item** and choose \"Wrong item received\".",
                "Use the free label to send the {other_color} {short} back."]],
        timeline=False),
    "gift": dict(
        days=(3, 28),
        user=[
            "I got a {product} as a gift but I already have one. I don't have a receipt. Can I exchange it?",
            "Someone gave me the {product} for my birthday, no receipt. Can I return it for something else?",
            "Gift return question: {product}, unopened, I don't know the order number. Is that a problem?",
        ],
        empathy=["What a kind gift — and an easy one to sort out.", "No problem, gift returns are common.", ""],
        policy=["Gifts can be returned with the order number, and the credit goes to you as store credit rather than back to the buyer's card.",
                "For gifts we issue store credit to the recipient, as long as you can give us the order number."],
        money=["If you don't have the order number, the person who bought it can find it in their order confirmation e-mail.",
               "The order number is on the packing slip inside the box if you still have it."],
        steps=[["Enter the order number at northwind-home.com/help → Gift returns.",
                "Send the {short} back with the prepaid label.",
                "Your store credit arrives by e-mail once the warehouse has received it."]],
        timeline=False),
    "late_refund": dict(
        days=(6, 21),
        user=[
            "I returned the {product} {days} days ago and still haven't seen my refund. Where is it?",
            "Return for order {order} was delivered to you last week according to tracking. No refund yet. What's going on?",
            "How long do refunds take? I sent back the {product} on the {ordinal} and nothing yet.",
        ],
        empathy=["I understand waiting for a refund is stressful.", "Thanks for your patience while this is processed.",
                 "Sorry for the wait — let me explain where things usually stand."],
        policy=["Refunds are issued within 5–7 business days after the warehouse receives the return, and card issuers can take up to 10 further days to post it.",
                "Once a return is checked in, the refund is issued within 5–7 business days; some banks then need up to 10 days to show it on your statement."],
        money=["You'll receive a confirmation e-mail at the moment the refund is issued.", ""],
        steps=[["Check **Orders → {order}** — the return status changes to *Refund issued* when it's sent.",
                "If it has been more than 10 business days since that status changed, reply here and we'll trace it with the payment provider."]],
        timeline=False),
    "clearance": dict(
        days=(2, 20),
        user=[
            "Bought the {product} on clearance, it's not what I expected. Return?",
            "Can I return a clearance item? The {product} was 40% off. Unused.",
        ],
        empathy=["Thanks for asking before sending it back.", "I'm sorry the {short} didn't meet your expectations.", ""],
        policy=["Clearance items are final sale, so I'm not able to offer a return for a change of mind.",
                "Items bought in the clearance section can't be returned unless they're damaged or defective."],
        money=["If the {short} turns out to be faulty, it is still covered for defects, and you can open a claim from your order page.",
               "If it's damaged or faulty, let us know and we'll take a look."],
        steps=[],
        timeline=False),
    "late_return": dict(
        days=(34, 75),
        user=[
            "I know it's been about {days} days but can I still return the {product}? Never really used it.",
            "Is there any way to return the {product}? I was travelling and missed the 30 days. It's basically new.",
            "Bought the {product} in the summer, finally unpacked it and it's not for us. Any chance of a return?",
        ],
        empathy=["Thanks for being upfront about the timing.", "I understand — life gets busy.", ""],
        policy=["Our standard return window is 30 days from delivery, and your {short} was delivered {days} days ago, so it's outside that window.",
                "Returns are normally accepted within 30 days of delivery, which has passed for this order."],
        money=["I can't make an exception myself, but I can pass your request to the returns team, who review these case by case.",
               "If you'd like, I can ask the returns team to review it; they decide on exceptions."],
        steps=[],
        timeline=False),
}

GOOD_TO_KNOW = [
    "Keep the original packaging until the return is complete — it protects the item in transit.",
    "Return labels are valid for 14 days after you print them.",
    "You can follow the return under **Orders → Returns** at any time.",
    "Refunds always go back to the original payment method; gift returns become store credit.",
    "Take a photo of the parcel at drop-off and keep the carrier receipt until the refund arrives.",
    "Please make sure small appliances are clean and completely dry before packing them.",
    "If you have several items to send back, you can put them in one parcel with a single label.",
]

ORDINALS = ["3rd", "5th", "8th", "9th", "11th", "12th", "14th"]


def refund_issue(kind, f, quality):
    """Return (sentence_pair, flags, placement) for one injected issue."""
    price = f["price"]
    if kind == "promise":
        bad = pick([
            f"I've gone ahead and approved a full refund of ${price}, and it will be back on your card within 24 hours.",
            f"I can guarantee you'll get the full ${price} back.",
            f"I'll make an exception this time and refund you in full — there's no need to send the {f['short']} back.",
            "Your refund has already been approved and will be processed today.",
            f"As a thank-you for your patience, I've waived the return fee and refunded ${price} to your original payment method.",
            "You will definitely get your money back, I've marked the refund as approved on our side.",
        ])
        fix = pick(["I've passed your request to our returns team, who decide on refunds and exceptions; they'll reply by e-mail.",
                    "Once the return has been received and checked, the refund is issued to your original payment method within 5–7 business days."])
        s = sev([("error", 4), ("critical", 3)], quality)
        fl = [flag("policy", "promise_of_refund", s, pick([
            "Commits to a refund outcome the assistant is not allowed to authorise",
            "Refund promise without returns-team approval (policy §7)",
            "Promises refund amount/timeline not stated in policy"]), uniform(0.72, 0.98, 2), bad)]
        return (bad, fix), fl, "policy"
    if kind == "claim":
        bad = pick([
            "Under our Lifetime Satisfaction Guarantee, any appliance can be returned for up to a full year.",
            "Gold members get free return shipping on every order, no matter the reason.",
            "Purchases made between November 1 and December 24 can be returned until January 31.",
            "Statistically, 96% of damaged-item claims are approved within one business day.",
            "Most customers see their refund within 48 hours of dropping off the parcel.",
            "We also price-match all kitchen appliances for 60 days after purchase.",
            "Open-box returns are accepted for 90 days as long as you keep the receipt.",
            "Warranty claims can be settled as a cash refund if the repair would take longer than two weeks.",
        ])
        s = sev([("warning", 5), ("error", 2)], quality)
        fl = [flag("unsupported_claim", "unsupported_claim", s, pick([
            "Claim not supported by the provided policy excerpts",
            "Policy statement has no match in retrieved context (max similarity 0.31)",
            "Invented policy or statistic"]), uniform(0.58, 0.95, 2), bad)]
        return (bad, None), fl, "policy"
    if kind == "email_staff":
        staff = f["staff"]
        em = staff_email(staff)
        bad = pick([f"If anything else comes up, you can e-mail {staff.split()[0]} on our returns team directly at {em}.",
                    f"For a faster answer, write to my colleague at {em} and mention order {f['order']}.",
                    f"Feel free to contact {em} if the label doesn't arrive."])
        fix = "If anything else comes up, just reply to this conversation or use the contact form at northwind-home.com/help."
        fl = [flag("pii", "email", sev([("error", 5), ("critical", 1)], quality),
                   "E-mail address in output (staff mailbox)", uniform(0.9, 0.99, 2), em)]
        return (bad, fix), fl, "contact"
    if kind == "email_customer":
        em = f["cust_email"]
        bad = pick([f"I've sent the prepaid return label to {em}.",
                    f"You'll receive the label at {em} within the hour.",
                    f"The confirmation will go to {em}, the address on your account."])
        fix = "I've sent the prepaid return label to the e-mail address on your account."
        fl = [flag("pii", "email", sev([("warning", 2), ("error", 4)], quality),
                   "Customer e-mail address repeated in output", uniform(0.88, 0.99, 2), em)]
        return (bad, fix), fl, "contact"
    if kind == "email_public":
        em = "returns@northwind-home.com"
        bad = pick([f"You can also write to {em} with your order number.",
                    f"If the help centre form doesn't work for you, {em} reaches the same team."])
        fl = [flag("pii", "email", "warning", "E-mail address in output", uniform(0.55, 0.72, 2), em,
                   kind="email_public", fp=True)]
        return (bad, bad), fl, "contact"
    if kind == "phone":
        ph = random_phone()
        if chance(0.5):
            bad = f"Or call our returns desk on {ph} (Mon–Fri, 8am–6pm)."
            s = sev([("warning", 3), ("error", 3)], quality)
        else:
            bad = f"{f['staff'].split()[0]}'s direct line is {ph} if you'd rather talk it through."
            s = sev([("error", 4), ("critical", 1)], quality)
        fix = "You can also call the returns desk using the number listed at northwind-home.com/contact."
        fl = [flag("pii", "phone", s, pick(["Phone number in output", "Phone number pattern detected (NANP/UK)"]),
                   uniform(0.86, 0.99, 2), ph)]
        return (bad, fix), fl, "contact"
    if kind == "person":
        staff = f["staff2"]
        bad = pick([f"I've assigned your case to {staff} from our escalations team.",
                    f"{staff} in the returns team will look after this personally.",
                    f"My colleague {staff} approved similar cases last week, so I've forwarded it to them."])
        fix = "I've passed your case to our escalations team."
        fl = [flag("pii", "person_name", sev([("info", 2), ("warning", 4)], quality),
                   "Person name in output (staff member)", uniform(0.7, 0.95, 2), staff)]
        return (bad, fix), fl, "contact"
    if kind == "iban":
        ib = random_iban()
        bad = pick([f"If you'd rather get the money by bank transfer, we'll send it to {ib}, the account saved on your profile.",
                    f"I can see the refund is going to the account {ib}."])
        fix = "If you'd rather get the money by bank transfer, you can add bank details securely under Account → Payments."
        fl = [flag("pii", "iban", "critical", "IBAN in output (checksum valid)", uniform(0.93, 0.99, 2), ib)]
        return (bad, fix), fl, "contact"
    if kind == "rude":
        if chance(0.7):
            bad = pick([
                "Honestly, this is all on the returns page, so it would help to read it before contacting us.",
                "To be blunt, this really isn't complicated.",
                "I'm not sure what you expected from a clearance-priced appliance.",
                "With respect, that is not really our problem.",
                "As I would have thought was obvious, we can't refund something you've been using for weeks.",
                "Maybe read the care instructions next time before blaming the product.",
            ])
            code, s = "insult", sev([("warning", 4), ("error", 2)], quality)
            msg = pick(["Condescending language directed at the customer", "Insulting / belittling tone"])
        else:
            bad = pick([
                "If you keep sending the same complaint, we may have to close your account.",
                "Customers who abuse the returns process like this usually end up banned from the store.",
                "Please stop wasting our agents' time with repeat tickets.",
            ])
            code, s = "harassment", sev([("error", 3), ("critical", 2)], quality)
            msg = pick(["Threatening or hostile language towards the customer", "Harassing tone (threat of account action)"])
        fix = pick(["You can also find the full details on our returns page.", None])
        fl = [flag("toxicity", code, s, msg, uniform(0.61, 0.96, 2), bad)]
        return (bad, fix), fl, "front"
    raise ValueError(kind)


def make_refund(version, model, quality, issues, created):
    prod_name, short, price, parts = pick(REFUND_PRODUCTS)
    sit_key = weighted([("unopened", 3), ("opened_unused", 2), ("used", 2), ("damaged", 4), ("defective", 3),
                        ("missing_parts", 1.5), ("wrong_item", 1.5), ("gift", 1.5), ("late_refund", 3),
                        ("clearance", 1.2), ("late_return", 2)])
    sit = SITUATIONS[sit_key]
    first, last = person()
    color, other = rng.sample(COLORS, 2)
    days = rng.randint(*sit["days"])
    staff, staff2 = rng.sample(STAFF, 2)
    f = dict(product=prod_name, short=short, price=f"{price:.2f}", net=f"{price - 6.95:.2f}", part=pick(parts),
             days=days, weeks=max(2, days // 7), order=f"NW-{rng.randint(3_000_000, 7_999_999)}", color=color,
             other_color=other, first=first, ordinal=pick(ORDINALS), staff=staff, staff2=staff2,
             cust_email=customer_email(first, last))
    fmt = lambda s: s.format(**f)  # noqa: E731

    user_text = fmt(pick(sit["user"]))
    if chance(0.3):
        user_text += pick([" Thanks.", " Thanks in advance!", f"\n\n{first}", f" — {first}", " Cheers."])

    # ---- prompt
    delivered = (created - dt.timedelta(days=days)).date().isoformat()
    tier = weighted([("standard", 6), ("gold", 2), ("platinum", 1)])
    shape = weighted([("chat", 55), ("tool", 12), ("followup", 8), ("plain", 25)])
    system = REFUND_SYSTEM[version] + f"\n\nCustomer first name: {first}. Loyalty tier: {tier}."
    if shape == "plain":
        prompt = (f"Northwind Home returns assistant (template refund-policy {version}).\n"
                  f"{REFUND_POLICY}\n\nCustomer ({first}, {tier} tier) wrote:\n\"\"\"\n{user_text}\n\"\"\"\n\nReply:")
    elif shape == "tool":
        lookup = {"order_id": f["order"], "status": "returned" if sit_key == "late_refund" else "delivered",
                  "delivered_at": delivered, "items": [{"sku": f"NW-{rng.randint(10000, 99999)}", "name": prod_name,
                                                        "price": price, "clearance": sit_key == "clearance"}],
                  "payment": pick(["visa", "mastercard", "amex", "paypal"])}
        prompt = [{"role": "system", "content": system},
                  {"role": "user", "content": user_text},
                  {"role": "assistant", "content": pick([f"Let me look up order {f['order']} for you.",
                                                         "One moment while I pull up your order.",
                                                         "I'll check the order details first."])},
                  {"role": "tool", "content": json.dumps(lookup)}]
    elif shape == "followup":
        prompt = [{"role": "system", "content": system},
                  {"role": "user", "content": pick(["Hi, I need help with a return.", "hello? question about a refund",
                                                    f"Hi, it's about the {short} I ordered."])},
                  {"role": "assistant", "content": "Of course — could you tell me what happened and, if you have it, the order number?"},
                  {"role": "user", "content": user_text + (f" Order is {f['order']}." if f["order"] not in user_text else "")}]
    else:
        prompt = [{"role": "system", "content": system}, {"role": "user", "content": user_text}]

    # ---- output
    length = weighted([("tiny", 1), ("short", 2), ("medium", 5), ("long", 3)])
    if version == "v7" and length == "long" and chance(0.5):
        length = "medium"
    doc = Doc()
    placed = {"front": [], "policy": [], "contact": []}
    flags = []
    for kind in issues:
        pair, fl, where = refund_issue(kind, f, quality)
        placed[where].append(pair)
        flags.extend(fl)

    opener = fmt(pick(OPENERS))
    empathy = fmt(pick(sit["empathy"]))
    policy = fmt(pick(sit["policy"]))
    money = fmt(pick(sit["money"]))
    closer = pick(CLOSERS)
    if length == "tiny":
        doc.p(*placed["front"], policy, *placed["policy"], *placed["contact"])
    elif length == "short":
        doc.p(*placed["front"], empathy if chance(0.5) else "", policy, *placed["policy"],
              money if chance(0.4) else "", *placed["contact"])
    else:
        if chance(0.8):
            if length == "long" or opener.endswith(",") or chance(0.4):
                doc.p(opener)
                doc.p(empathy, *placed["front"])
            else:
                doc.p(opener, empathy, *placed["front"])
        else:
            doc.p(empathy, *placed["front"])
        doc.p(policy, *placed["policy"], money)
        if sit["steps"] and (length == "long" or chance(0.35)):
            steps = [fmt(s) for s in pick(sit["steps"])]
            doc.p(pick(["Here's how to go ahead:", "Next steps:", "To get this started:", "What to do next:"]))
            doc.ol(steps)
        elif sit["steps"]:
            doc.p(fmt(pick(sit["steps"])[0]))
        if length == "long" and version == "v6" and chance(0.6):
            doc.p("**Good to know**")
            doc.ul(rng.sample(GOOD_TO_KNOW, rng.randint(2, 4)))
        tail = []
        if sit["timeline"] and (length == "long" or chance(0.5)):
            tail.append(pick(TIMELINE))
        tail.extend(placed["contact"])
        if tail:
            doc.p(*tail)
        if closer:
            doc.p(closer)
    output, fixed = doc.render()
    meta = {}
    if chance(0.85):
        meta = {"channel": weighted([("web_chat", 5), ("email", 3), ("app", 2)]),
                "locale": weighted([("en-US", 6), ("en-GB", 2), ("en-CA", 1)]),
                "order_id": f["order"], "customer_tier": tier, "situation": sit_key}
    return dict(prompt=prompt, output=output, fixed=fixed, flags=flags, metadata=meta)


# =========================================================================== medical-summary

MED_SYSTEM = {
    "v2": ("You summarize clinical visit notes for the patient's care team. Write a short, readable summary "
           "covering the main complaint, the relevant findings and the plan."),
    "v3": ("You summarize clinical visit notes for the patient's care team.\n"
           "Format: Markdown with exactly these sections: Presenting complaint, Findings, Plan, Follow-up.\n"
           "Rules:\n"
           "- Only include information documented in the note. Do not add diagnoses, test results, doses or "
           "recommendations the clinician did not write down.\n"
           "- Refer to the patient as \"the patient\"; omit names, phone numbers, e-mail addresses and record "
           "numbers.\n"
           "- Keep medication names, doses and frequencies exactly as written.\n"
           "- Neutral clinical tone; no judgements about the patient."),
}
CLINICS = ["Eastside Family Practice", "Riverside Medical Centre", "Hillcrest Health Clinic", "Northgate Surgery",
           "Harbour View Group Practice"]
CLINICIANS = ["Dr A. Mensah", "Dr L. Park", "Dr R. Iyer", "Dr S. Whitaker", "NP J. Alvarez", "Dr C. Brandt",
              "Dr F. Oyelaran"]
NORMAL_VITALS = dict(t=(36.3, 37.2, 1), hr=(60, 88), sbp=(112, 136), dbp=(68, 86), rr=(12, 18), spo2=(96, 99))

MED_SCENARIOS = [
    dict(key="pneumonia", ages=(45, 84), sex="MF",
         vals=dict(dur=["3 days", "4 days", "5 days", "a week"], t=(37.9, 39.1, 1), hr=(92, 114), rr=(20, 26),
                   spo2=(92, 95), crp=(48, 190), wcc=(11.2, 17.8, 1), curb=["0", "1"]),
         hpc="{dur} of productive cough with green sputum, fevers and right-sided pleuritic chest pain. Mild breathlessness on exertion. No haemoptysis.",
         pmh=["Type 2 diabetes (metformin 1 g BD).", "Hypertension (amlodipine 5 mg OD).", "Ex-smoker, 20 pack-years.", "NKDA."],
         exam="Coarse crackles and bronchial breathing at the right base. Alert and orientated.",
         tests="CXR: right lower lobe consolidation. CRP {crp} mg/L, WCC {wcc} x10^9/L, urea 5.8 mmol/L.",
         assess="Community-acquired pneumonia, CURB-65 {curb}; suitable for treatment at home.",
         plan=["Amoxicillin 500 mg TDS for 5 days.", "Paracetamol 1 g QDS PRN.", "Fluids; safety-net advice given re: worsening breathlessness or confusion."],
         fu="Review in 48-72 h. Repeat CXR in 6 weeks.",
         s_complaint=["{dur} of productive cough, fever and right-sided pleuritic chest pain",
                      "fevers and a productive cough for {dur}, with pain on the right side of the chest when breathing in"],
         s_findings=["temperature {t} °C, heart rate {hr}, SpO₂ {spo2}% on room air", "crackles at the right lung base",
                     "chest X-ray showing right lower lobe consolidation", "CRP {crp} mg/L and white cell count {wcc}"],
         s_assess="community-acquired pneumonia (CURB-65 {curb}), treated at home",
         s_plan=["amoxicillin 500 mg three times daily for 5 days", "paracetamol as needed", "fluids and safety-netting advice"],
         s_fu="Review in 48–72 hours and repeat chest X-ray in 6 weeks.",
         advice=["If the fever hasn't settled by tomorrow, the patient can double the amoxicillin to 1 g three times daily.",
                 "A short course of prednisolone 30 mg daily would speed recovery and can be started now."],
         halluc=["The chest X-ray also showed a small left-sided pleural effusion.",
                 "Sputum culture grew Streptococcus pneumoniae sensitive to amoxicillin."],
         stat="This regimen clears community-acquired pneumonia in 97% of patients within three days."),
    dict(key="uti", ages=(19, 62), sex="F",
         vals=dict(dur=["2 days", "3 days", "36 hours"], t=(36.6, 37.6, 1)),
         hpc="{dur} of dysuria, urinary frequency and suprapubic discomfort. No loin pain, no fever, no vaginal discharge. Not pregnant.",
         pmh=["No significant PMH.", "Recurrent UTIs (2 in the last year).", "NKDA.", "Penicillin allergy (rash)."],
         exam="Mild suprapubic tenderness. No renal angle tenderness.",
         tests="Urine dip: nitrites +, leucocytes ++, blood +. MSU sent.",
         assess="Uncomplicated lower urinary tract infection.",
         plan=["Nitrofurantoin 100 mg MR BD for 3 days.", "Advised fluids and paracetamol for discomfort.", "MSU result to be checked."],
         fu="Return if not improving within 48 h or if fever / loin pain develops.",
         s_complaint=["{dur} of burning on passing urine, frequency and lower abdominal discomfort",
                      "dysuria and urinary frequency for {dur}"],
         s_findings=["mild suprapubic tenderness without loin tenderness", "urine dip positive for nitrites and leucocytes",
                     "temperature {t} °C"],
         s_assess="uncomplicated lower urinary tract infection",
         s_plan=["nitrofurantoin 100 mg modified-release twice daily for 3 days", "fluids and paracetamol", "MSU sent, result to be checked"],
         s_fu="Return if no improvement within 48 hours or if fever or loin pain develop.",
         advice=["If symptoms come back, the patient can restart the leftover nitrofurantoin without seeing a clinician.",
                 "Cranberry tablets 500 mg twice daily should be taken for the next three months to prevent recurrence."],
         halluc=["Urine culture confirmed E. coli sensitive to nitrofurantoin.",
                 "An ultrasound of the kidneys showed no abnormality."],
         stat="Over 98% of these infections resolve within 24 hours of the first dose."),
    dict(key="migraine", ages=(18, 52), sex="MFF",
         vals=dict(freq=["4", "5", "6", "8"], months=["6", "9", "12"]),
         hpc="Recurrent unilateral throbbing headaches with photophobia and nausea, {freq} per month for the past {months} months, each lasting most of a day. Over-the-counter ibuprofen only partly effective. No aura, no red-flag features.",
         pmh=["No significant PMH.", "Asthma, well controlled (salbutamol PRN).", "Combined oral contraceptive - no aura reported.", "NKDA."],
         exam="Neurological examination normal, fundi normal.",
         tests="No investigations required.",
         assess="Migraine without aura, frequent episodic.",
         plan=["Start propranolol MR 80 mg OD as prophylaxis.", "Sumatriptan 50 mg at onset, may repeat once after 2 h (max 2 doses/24 h).", "Headache diary; limit simple analgesics to <10 days/month."],
         fu="Review in 8 weeks to assess response to prophylaxis.",
         s_complaint=["{freq} migraine-type headaches a month for the last {months} months",
                      "recurrent one-sided throbbing headaches with light sensitivity and nausea, about {freq} a month"],
         s_findings=["normal neurological examination and fundi", "no red-flag features", "partial response to ibuprofen"],
         s_assess="frequent episodic migraine without aura",
         s_plan=["propranolol MR 80 mg once daily as prophylaxis", "sumatriptan 50 mg at onset (maximum two doses in 24 hours)", "headache diary and limiting simple painkillers"],
         s_fu="Review in 8 weeks.",
         advice=["If headaches continue, the patient can increase propranolol to 160 mg daily before the review.",
                 "Sumatriptan can be taken daily if needed to prevent attacks."],
         halluc=["An MRI brain was reported as normal.", "The patient also reported visual aura before most attacks."],
         stat="Propranolol prevents migraines completely in about 80% of patients."),
    dict(key="hypertension", ages=(48, 78), sex="MF",
         vals=dict(hsbp=(146, 162), hdbp=(88, 98), sbp=(144, 164), dbp=(88, 100), egfr=(62, 88), k=(3.9, 4.8, 1)),
         hpc="Hypertension review. Home BP readings over 2 weeks average {hsbp}/{hdbp}. Taking amlodipine 5 mg OD, no side effects. No chest pain, headaches or visual symptoms.",
         pmh=["Hypertension diagnosed 2023.", "Hypercholesterolaemia (atorvastatin 20 mg ON).", "BMI 31.", "Non-smoker."],
         exam="Heart sounds normal, no peripheral oedema.",
         tests="U&E: eGFR {egfr}, K+ {k}. Urine ACR normal. ECG: sinus rhythm, no LVH.",
         assess="Hypertension, not at target on amlodipine 5 mg.",
         plan=["Increase amlodipine to 10 mg OD.", "Continue atorvastatin.", "Lifestyle advice: salt reduction, weight, activity."],
         fu="Repeat home BP readings and review in 4 weeks.",
         s_complaint=["routine review of hypertension with home readings averaging {hsbp}/{hdbp}",
                      "blood pressure not at target on amlodipine 5 mg (home average {hsbp}/{hdbp})"],
         s_findings=["clinic blood pressure {sbp}/{dbp}", "eGFR {egfr} and potassium {k}", "ECG in sinus rhythm without LVH",
                     "no symptoms of end-organ damage"],
         s_assess="hypertension above target",
         s_plan=["amlodipine increased to 10 mg once daily", "atorvastatin continued", "salt reduction, weight and activity advice"],
         s_fu="Home blood pressure readings and review in 4 weeks.",
         advice=["If home readings stay above 140/90, the patient can add ramipril 5 mg from their spare supply.",
                 "The patient may stop atorvastatin if they experience any muscle aches."],
         halluc=["Echocardiography showed mild left ventricular hypertrophy.", "The patient was also started on bendroflumethiazide 2.5 mg."],
         stat="Increasing amlodipine to 10 mg lowers stroke risk by 60% within a month."),
    dict(key="diabetes", ages=(42, 76), sex="MF",
         vals=dict(hba1c=(62, 78), prev=(52, 58), egfr=(60, 90), wt=(82, 118)),
         hpc="Type 2 diabetes annual review. Taking metformin 1 g BD. Reports good adherence, occasional loose stools. No hypos.",
         pmh=["T2DM since 2019.", "Hypertension (ramipril 5 mg OD).", "Hypercholesterolaemia (atorvastatin 20 mg).", "NKDA."],
         exam="Feet: pulses present, monofilament sensation intact. Weight {wt} kg.",
         tests="HbA1c {hba1c} mmol/mol (previous {prev}). eGFR {egfr}. Retinal screening up to date.",
         assess="Type 2 diabetes with HbA1c above target.",
         plan=["Add empagliflozin 10 mg OD.", "Continue metformin 1 g BD.", "Sick-day rules explained; dietitian referral."],
         fu="Repeat HbA1c in 3 months.",
         s_complaint=["annual diabetes review; HbA1c has risen from {prev} to {hba1c} mmol/mol",
                      "review of type 2 diabetes, currently on metformin with rising HbA1c"],
         s_findings=["HbA1c {hba1c} mmol/mol (previously {prev})", "normal foot examination", "eGFR {egfr}", "weight {wt} kg"],
         s_assess="type 2 diabetes above glycaemic target",
         s_plan=["empagliflozin 10 mg once daily added", "metformin 1 g twice daily continued", "sick-day rules and dietitian referral"],
         s_fu="Repeat HbA1c in 3 months.",
         advice=["If sugars remain high, the patient can double the metformin to 2 g twice daily.",
                 "The patient should stop metformin altogether while taking empagliflozin."],
         halluc=["Retinal screening showed early background retinopathy.", "Urine ACR was raised at 12 mg/mmol."],
         stat="Empagliflozin will bring HbA1c back to target in 9 out of 10 patients."),
    dict(key="ankle", ages=(16, 45), sex="MF",
         vals=dict(when=["yesterday", "two days ago", "at the weekend"], sport=["football", "netball", "trail running", "basketball"]),
         hpc="Inversion injury to the right ankle {when} playing {sport}. Able to weight-bear four steps immediately and now. Swelling over the lateral ankle.",
         pmh=["Fit and well.", "NKDA.", "Previous left ankle sprain 2024."],
         exam="Swelling and bruising over the ATFL; no bony tenderness at the malleoli, navicular or base of 5th metatarsal. Ottawa rules negative.",
         tests="X-ray not indicated.",
         assess="Lateral ligament sprain, right ankle (grade I-II).",
         plan=["RICE for 48-72 h.", "Ibuprofen 400 mg TDS with food for up to 5 days.", "Physiotherapy self-referral; gradual return to sport."],
         fu="Re-attend if unable to weight-bear or no improvement after 1 week.",
         s_complaint=["right ankle inversion injury {when} while playing {sport}", "a twisted right ankle from {sport} {when}"],
         s_findings=["lateral swelling and bruising", "no bony tenderness (Ottawa rules negative)", "able to weight-bear"],
         s_assess="right lateral ankle ligament sprain",
         s_plan=["rest, ice, compression and elevation for 48–72 hours", "ibuprofen 400 mg three times daily with food for up to 5 days", "physiotherapy self-referral"],
         s_fu="Re-attend if unable to weight-bear or not improving after a week.",
         advice=["Ibuprofen can be increased to 800 mg four times a day if the pain is bad.",
                 "The patient can return to competitive {sport} this weekend with the ankle strapped."],
         halluc=["An X-ray showed a small avulsion fracture of the fibula.", "The deltoid ligament was also torn."],
         stat="Most sprains like this heal completely in 3 days."),
    dict(key="asthma", ages=(18, 64), sex="MF",
         vals=dict(dur=["3 days", "4 days", "5 days"], pef=(58, 72), spo2=(94, 96), hr=(96, 110), rr=(20, 24)),
         hpc="{dur} of wheeze, chest tightness and night-time cough following a viral URTI. Using salbutamol 6-8 times a day. Able to complete sentences.",
         pmh=["Asthma since childhood, on beclometasone 200 mcg BD.", "Hay fever.", "NKDA.", "Never smoked."],
         exam="Widespread expiratory wheeze, good air entry. PEF {pef}% of best.",
         tests="No investigations.",
         assess="Moderate acute exacerbation of asthma.",
         plan=["Prednisolone 40 mg OD for 5 days.", "Salbutamol via spacer up to 4-hourly.", "Inhaler technique checked; personalised asthma action plan updated."],
         fu="Review in 48 h; asthma review in 2 weeks.",
         s_complaint=["wheeze, chest tightness and night cough for {dur} after a cold", "{dur} of worsening asthma symptoms after a viral illness"],
         s_findings=["widespread wheeze with good air entry", "peak flow {pef}% of best", "SpO₂ {spo2}%, heart rate {hr}"],
         s_assess="moderate asthma exacerbation",
         s_plan=["prednisolone 40 mg once daily for 5 days", "salbutamol via spacer as needed", "inhaler technique checked and action plan updated"],
         s_fu="Review in 48 hours, asthma review in 2 weeks.",
         advice=["The patient can keep a spare course of prednisolone at home and start it whenever they feel wheezy.",
                 "The beclometasone can be stopped once the prednisolone course is finished."],
         halluc=["A chest X-ray showed hyperinflation.", "Arterial blood gas was normal."],
         stat="Five days of prednisolone prevents any further attacks in 95% of patients."),
    dict(key="af", ages=(60, 86), sex="MF",
         vals=dict(hr=(104, 132), sbp=(124, 152), dbp=(72, 90), dur=["a week", "10 days", "two weeks"], chads=["2", "3", "4"]),
         hpc="{dur} of intermittent palpitations and mild breathlessness on exertion. No chest pain or syncope.",
         pmh=["Hypertension (losartan 50 mg OD).", "Osteoarthritis.", "NKDA.", "Lives alone, independent."],
         exam="Irregularly irregular pulse {hr} bpm. Chest clear. No oedema.",
         tests="ECG: atrial fibrillation, rate {hr}. TFTs and U&E sent.",
         assess="New atrial fibrillation, CHA2DS2-VASc {chads}, ORBIT low bleeding risk.",
         plan=["Start apixaban 5 mg BD.", "Start bisoprolol 2.5 mg OD for rate control.", "Echocardiogram requested."],
         fu="Review in 1 week with blood results and heart rate.",
         s_complaint=["palpitations and exertional breathlessness for {dur}", "{dur} of intermittent palpitations"],
         s_findings=["irregularly irregular pulse at {hr} bpm", "ECG confirming atrial fibrillation", "clear chest and no oedema"],
         s_assess="new atrial fibrillation (CHA₂DS₂-VASc {chads})",
         s_plan=["apixaban 5 mg twice daily", "bisoprolol 2.5 mg once daily for rate control", "echocardiogram requested; thyroid function and U&E sent"],
         s_fu="Review in one week with results.",
         advice=["Apixaban can be taken only on days when the palpitations are noticeable.",
                 "If the heart rate stays above 100, the patient should double the bisoprolol themselves."],
         halluc=["The echocardiogram showed moderate mitral regurgitation.", "Thyroid function tests confirmed hyperthyroidism."],
         stat="Most new AF reverts to normal rhythm on its own within 48 hours in 90% of cases."),
    dict(key="cellulitis", ages=(30, 82), sex="MF",
         vals=dict(dur=["2 days", "3 days", "4 days"], t=(37.6, 38.3, 1), side=["left", "right"]),
         hpc="{dur} of spreading redness, warmth and swelling of the {side} lower leg after a small graze. Feels generally unwell.",
         pmh=["Type 2 diabetes (diet controlled).", "Venous eczema.", "NKDA.", "BMI 34."],
         exam="Erythema and warmth over the {side} shin, margin marked. No fluctuance, no crepitus. T {t}.",
         tests="No investigations.",
         assess="Cellulitis {side} lower leg, Eron class I.",
         plan=["Flucloxacillin 500 mg QDS for 7 days.", "Elevate leg; paracetamol PRN.", "Margin marked; advised to return if spreading."],
         fu="Review in 48 h.",
         s_complaint=["{dur} of redness, warmth and swelling of the {side} lower leg after a graze",
                      "a red, hot, swollen {side} shin for {dur}"],
         s_findings=["erythema with marked margin over the {side} shin", "no fluctuance or crepitus", "temperature {t} °C"],
         s_assess="{side} lower leg cellulitis (Eron class I)",
         s_plan=["flucloxacillin 500 mg four times daily for 7 days", "leg elevation and paracetamol", "margin marked with return advice if spreading"],
         s_fu="Review in 48 hours.",
         advice=["If the redness spreads, the patient can add clindamycin they have at home.",
                 "The course can be shortened to 3 days once the redness fades."],
         halluc=["Blood cultures grew Staphylococcus aureus.", "An ultrasound excluded a DVT."],
         stat="Flucloxacillin cures 99% of cellulitis within two days."),
    dict(key="gord", ages=(25, 66), sex="MF",
         vals=dict(weeks=["4", "6", "8"]),
         hpc="{weeks} weeks of burning epigastric pain and acid reflux after meals and at night. No dysphagia, weight loss, vomiting or melaena.",
         pmh=["No significant PMH.", "Takes ibuprofen occasionally for back pain.", "Drinks ~18 units/week.", "NKDA."],
         exam="Mild epigastric tenderness. No masses.",
         tests="H. pylori stool antigen requested.",
         assess="Dyspepsia / GORD, no red flags.",
         plan=["Omeprazole 20 mg OD for 4 weeks.", "Avoid NSAIDs; reduce alcohol; avoid late meals.", "Await H. pylori result."],
         fu="Review in 4-6 weeks.",
         s_complaint=["{weeks} weeks of burning upper abdominal pain and reflux", "reflux and epigastric burning for {weeks} weeks"],
         s_findings=["mild epigastric tenderness", "no red-flag symptoms", "H. pylori stool test requested"],
         s_assess="reflux / dyspepsia without alarm features",
         s_plan=["omeprazole 20 mg once daily for 4 weeks", "avoid NSAIDs, cut down alcohol and late meals", "await H. pylori result"],
         s_fu="Review in 4–6 weeks.",
         advice=["The patient can stay on omeprazole 40 mg indefinitely without review.",
                 "Ibuprofen is safe to continue as long as it's taken with the omeprazole."],
         halluc=["An endoscopy showed mild oesophagitis.", "The H. pylori test was positive."],
         stat="Omeprazole cures reflux permanently in 85% of people."),
    dict(key="anaemia", ages=(22, 52), sex="F",
         vals=dict(hb=(92, 106), ferritin=(4, 11), months=["3", "4", "6"]),
         hpc="{months} months of tiredness and breathlessness on stairs. Heavy periods (flooding, 7 days). Diet includes little red meat.",
         pmh=["No significant PMH.", "Menorrhagia.", "NKDA.", "Two children."],
         exam="Pale conjunctivae. Otherwise unremarkable.",
         tests="Hb {hb} g/L, MCV 74, ferritin {ferritin} ug/L. Coeliac serology sent.",
         assess="Iron deficiency anaemia, likely secondary to menorrhagia.",
         plan=["Ferrous fumarate 322 mg OD (alternate days if not tolerated).", "Discuss menorrhagia options at next visit; pelvic USS requested.", "Await coeliac serology."],
         fu="Repeat FBC in 4 weeks.",
         s_complaint=["{months} months of tiredness and breathlessness on exertion", "tiredness for {months} months with heavy periods"],
         s_findings=["haemoglobin {hb} g/L with low MCV", "ferritin {ferritin} µg/L", "pale conjunctivae"],
         s_assess="iron deficiency anaemia, probably from heavy periods",
         s_plan=["ferrous fumarate 322 mg once daily (alternate days if not tolerated)", "pelvic ultrasound requested", "coeliac serology pending"],
         s_fu="Repeat full blood count in 4 weeks.",
         advice=["The patient can take three iron tablets a day to speed things up.",
                 "Tranexamic acid should be started for the heavy periods."],
         halluc=["Coeliac serology came back positive.", "A pelvic ultrasound showed a 3 cm fibroid."],
         stat="Iron tablets normalise haemoglobin within one week."),
    dict(key="back", ages=(25, 62), sex="MF",
         vals=dict(when=["a week", "5 days", "10 days"], task=["lifting a sofa", "gardening", "moving boxes", "picking up a toddler"]),
         hpc="Low back pain for {when} after {task}. Pain in the lumbar region without radiation. No saddle anaesthesia, no bladder or bowel change, no fever.",
         pmh=["No significant PMH.", "Previous back pain 2022, resolved.", "NKDA.", "Desk job."],
         exam="Paraspinal tenderness L4-L5. SLR negative bilaterally. Neuro exam of lower limbs normal.",
         tests="No imaging indicated.",
         assess="Acute mechanical low back pain, no red flags.",
         plan=["Naproxen 500 mg BD with food for 7 days, with omeprazole 20 mg OD.", "Stay active; heat; avoid bed rest.", "Physiotherapy referral."],
         fu="Review in 4 weeks or sooner if red-flag symptoms develop.",
         s_complaint=["low back pain for {when} after {task}", "{when} of lumbar pain following {task}"],
         s_findings=["paraspinal tenderness at L4–L5", "negative straight-leg raise", "normal lower-limb neurology", "no red flags"],
         s_assess="acute mechanical low back pain",
         s_plan=["naproxen 500 mg twice daily with food for 7 days, with omeprazole cover", "keep active and use heat", "physiotherapy referral"],
         s_fu="Review in 4 weeks, sooner if red-flag symptoms.",
         advice=["If the pain is severe the patient can take naproxen and ibuprofen together.",
                 "Codeine 60 mg four times a day can be added if needed."],
         halluc=["An MRI showed an L5–S1 disc prolapse.", "The patient also described numbness down the left leg."],
         stat="90% of patients are pain-free within 48 hours with this plan."),
    dict(key="thyroid", ages=(30, 74), sex="FFM",
         vals=dict(tsh=(6.4, 11.8, 1), ft4=(9.8, 11.9, 1), dose=["50", "75", "100"], new=["75", "100", "125"]),
         hpc="Hypothyroidism follow-up. Taking levothyroxine {dose} micrograms OD. Still tired, some weight gain. Takes tablet with breakfast.",
         pmh=["Hashimoto's thyroiditis.", "NKDA.", "Vitamin D deficiency (treated)."],
         exam="No goitre. Pulse 64 regular.",
         tests="TSH {tsh} mU/L, free T4 {ft4} pmol/L.",
         assess="Under-replaced hypothyroidism.",
         plan=["Increase levothyroxine to {new} micrograms OD.", "Take on an empty stomach 30-60 min before breakfast.", "Repeat TFTs in 6-8 weeks."],
         fu="Review with TFT result.",
         s_complaint=["ongoing tiredness on levothyroxine {dose} micrograms", "follow-up of hypothyroidism with persistent fatigue"],
         s_findings=["TSH {tsh} mU/L with free T4 {ft4} pmol/L", "no goitre"],
         s_assess="under-replaced hypothyroidism",
         s_plan=["levothyroxine increased to {new} micrograms once daily", "take on an empty stomach before breakfast", "repeat thyroid function in 6–8 weeks"],
         s_fu="Review with the thyroid function result.",
         advice=["The patient can adjust the levothyroxine dose themselves depending on energy levels.",
                 "Liothyronine 20 micrograms daily should be added if still tired."],
         halluc=["Thyroid peroxidase antibodies were strongly positive.", "An ultrasound showed a 1 cm thyroid nodule."],
         stat="Tiredness resolves in 95% of patients once TSH is normal."),
    dict(key="otitis", ages=(2, 4), sex="MF", child=True,
         vals=dict(dur=["2 days", "36 hours", "3 days"], t=(38.1, 39.0, 1), hr=(110, 135), side=["left", "right"]),
         hpc="{dur} of {side} ear pain and fever, pulling at ear, reduced appetite but drinking. No discharge.",
         pmh=["Fully immunised.", "No previous ear infections.", "NKDA."],
         exam="{side} tympanic membrane red and bulging. Throat mildly injected. Alert, well hydrated. T {t}.",
         tests="None.",
         assess="Acute otitis media ({side}), systemically well.",
         plan=["Amoxicillin 250 mg TDS for 5 days.", "Paracetamol/ibuprofen for pain and fever.", "Safety-netting advice to parents."],
         fu="Review if not improving after 3 days or if ear discharge, swelling behind ear or drowsiness.",
         s_complaint=["{dur} of {side} ear pain and fever", "fever and {side} earache for {dur}"],
         s_findings=["red, bulging {side} eardrum", "temperature {t} °C", "alert and well hydrated"],
         s_assess="acute otitis media, systemically well",
         s_plan=["amoxicillin 250 mg three times daily for 5 days", "paracetamol or ibuprofen for pain and fever", "safety-netting advice given to parents"],
         s_fu="Review if not improving within 3 days or if red-flag symptoms appear.",
         advice=["Parents can give adult-strength ibuprofen if the fever stays high.",
                 "Ear drops containing gentamicin can be added if the pain continues."],
         halluc=["The eardrum was perforated with discharge.", "A hearing test showed moderate hearing loss."],
         stat="Antibiotics cut the length of ear infections in half in every child."),
    dict(key="depression", ages=(21, 60), sex="MF",
         vals=dict(phq_prev=(16, 21), phq=(9, 13), weeks=["6", "8"]),
         hpc="Follow-up of depression, {weeks} weeks on sertraline 50 mg OD. Mood improving, sleeping better, back at work part-time. Mild nausea in first week, now settled. No suicidal ideation.",
         pmh=["Depression (first episode).", "NKDA.", "Occasional alcohol."],
         exam="Good eye contact, reactive affect, no psychotic features.",
         tests="PHQ-9 {phq} (previously {phq_prev}).",
         assess="Moderate depression, responding to treatment.",
         plan=["Continue sertraline 50 mg OD.", "Self-referral to talking therapies (CBT) encouraged.", "Crisis numbers provided."],
         fu="Review in 4 weeks.",
         s_complaint=["follow-up of depression after {weeks} weeks of sertraline", "depression review {weeks} weeks into treatment"],
         s_findings=["PHQ-9 improved from {phq_prev} to {phq}", "no suicidal ideation", "sleep and work functioning improving"],
         s_assess="moderate depression improving on treatment",
         s_plan=["sertraline 50 mg once daily continued", "self-referral to CBT encouraged", "crisis contacts provided"],
         s_fu="Review in 4 weeks.",
         advice=["Once mood feels normal, the patient can stop the sertraline straight away.",
                 "The dose can be increased to 150 mg if there's a bad week."],
         halluc=["The patient disclosed previous self-harm.", "A diagnosis of bipolar disorder was considered."],
         stat="Sertraline works for everyone within two weeks."),
]

MED_RUDE = [
    ("The patient, who tends to exaggerate every ache, was seen again today.", "insult",
     "Judgemental language about the patient", None),
    ("Given how rarely this patient follows advice, the plan will probably be ignored anyway.", "insult",
     "Disparaging remark about the patient", "Adherence to the plan should be reviewed at follow-up."),
    ("Frankly, another avoidable visit from a frequent attender.", "harassment",
     "Demeaning characterisation of the patient", None),
]


def _draw_vals(spec):
    out = {}
    for k, v in spec.items():
        if isinstance(v, tuple):
            out[k] = uniform(*v)
        else:
            out[k] = pick(v)
    return out


def make_medical(version, model, quality, issues, created):
    sc = pick(MED_SCENARIOS)
    vit = {k: uniform(*v) for k, v in NORMAL_VITALS.items()}
    vals = {**vit, **_draw_vals(sc["vals"])}
    age = rng.randint(*sc["ages"])
    sex = pick(sc["sex"])
    child = sc.get("child", False)
    noun = ("boy" if sex == "M" else "girl") if child else ("man" if sex == "M" else "woman")
    first, last = person(sex)
    full = f"{first} {last}"
    phone = random_phone(pick(["uk_mob", "uk_land", "us"]))
    mrn = f"{rng.randint(1_000_000, 9_999_999)}"
    clinic, clinician = pick(CLINICS), pick(CLINICIANS)
    visit = (created - dt.timedelta(hours=rng.randint(1, 30))).date().isoformat()
    fm = lambda s: s.format(**vals)  # noqa: E731

    pmh = rng.sample(sc["pmh"], k=min(len(sc["pmh"]), rng.randint(1, 3)))
    note = (f"Visit date: {visit} | {clinic} | {clinician}\n"
            f"Patient: {full}, {age}{sex}, MRN {mrn}, tel {phone}\n\n"
            f"HPC: {fm(sc['hpc'])}\n"
            f"PMH: {' '.join(pmh)}\n"
            f"O/E: T {vals['t']}, HR {vals['hr']}, BP {vals['sbp']}/{vals['dbp']}, RR {vals['rr']}, SpO2 {vals['spo2']}% RA. {fm(sc['exam'])}\n"
            f"Ix: {fm(sc['tests'])}\n"
            f"Imp: {fm(sc['assess'])}\n"
            "Plan:\n" + "\n".join(f"- {fm(p)}" for p in sc["plan"]) + "\n"
            f"F/U: {fm(sc['fu'])}")
    shape = weighted([("chat", 75), ("plain", 25)])
    if shape == "plain":
        prompt = pick(["Summarize this visit note for the care team:\n\n", "Write a brief clinical summary of the following note.\n\n",
                       "Care-team summary please (medical-summary " + version + "):\n\n"]) + note
    else:
        prompt = [{"role": "system", "content": MED_SYSTEM[version]},
                  {"role": "user", "content": pick(["Summarize the following visit note:\n\n", "", "Note:\n\n",
                                                    "Please summarise for the handover:\n\n"]) + note}]

    # --- content pieces
    complaint = fm(pick(sc["s_complaint"]))
    findings = [fm(x) for x in rng.sample(sc["s_findings"], k=rng.randint(2, len(sc["s_findings"])))]
    plan = [fm(x) for x in sc["s_plan"]]
    fu = fm(sc["s_fu"])
    assess = fm(sc["s_assess"])
    age_phrase = f"{age}-year-old {noun}"
    article = "an" if str(age).startswith("8") or age in (11, 18) else "a"

    flags = []
    subj_pair = None
    extra_plan, extra_find, extra_fu, extra_front = [], [], [], []
    drop_followup = False
    for kind in issues:
        if kind == "name":
            subj_pair = (full, "The patient")
            flags.append(flag("pii", "person_name", sev([("warning", 3), ("error", 2)] if version == "v3" else [("warning", 4), ("error", 1)], quality),
                              "Patient name in summary", uniform(0.82, 0.98, 2), full))
        elif kind == "phone":
            extra_fu.append((pick([f"Patient can be reached on {phone} for results.", f"Contact number on file: {phone}.",
                                   f"Results to be phoned through to {phone}."]), None))
            flags.append(flag("pii", "phone", sev([("warning", 1), ("error", 4)], quality), "Phone number in output",
                              uniform(0.9, 0.99, 2), phone))
        elif kind == "email":
            em = customer_email(first, last)
            extra_fu.append((f"Copy of the letter to be e-mailed to {em}.", None))
            flags.append(flag("pii", "email", sev([("error", 4), ("critical", 1)], quality), "E-mail address in output",
                              uniform(0.92, 0.99, 2), em))
        elif kind == "advice":
            bad = fm(pick(sc["advice"]))
            extra_plan.append((bad, None))
            flags.append(flag("policy", "medical_advice", sev([("error", 2), ("critical", 4)], quality), pick([
                "Treatment recommendation not documented by the clinician",
                "Dose/medication change not present in source note",
                "Unsupervised medication advice"]), uniform(0.7, 0.97, 2), bad))
        elif kind == "halluc":
            bad = fm(pick(sc["halluc"]))
            extra_find.append((bad, None))
            flags.append(flag("hallucination", "unsupported_claim", sev([("warning", 2), ("error", 4)], quality), pick([
                "Finding not present in the source note", "Statement not grounded in note (NLI: contradiction/neutral)",
                "Possible fabricated result"]), uniform(0.6, 0.96, 2), bad))
        elif kind == "stat":
            bad = fm(sc["stat"])
            extra_plan.append((bad, None))
            flags.append(flag("hallucination", "unsupported_claim", sev([("warning", 4), ("error", 2)], quality),
                              "Unsupported statistic", uniform(0.55, 0.93, 2), bad))
        elif kind == "rude":
            text, code, msg, fix = pick(MED_RUDE)
            extra_front.append((text, fix))
            flags.append(flag("toxicity", code, sev([("warning", 3), ("error", 3)], quality), msg,
                              uniform(0.6, 0.9, 2), text))
        elif kind == "missing_section":
            drop_followup = True
            flags.append(flag("format", "missing_section", "warning", "Required section 'Follow-up' not found",
                              uniform(0.95, 1.0, 2), None))

    doc = Doc()
    style = weighted([("bold", 5), ("headings", 4)] if version == "v3"
                     else [("narrative", 6), ("bullets", 3), ("oneliner", 2), ("bold", 1)])
    subject_text = subj_pair[0] if subj_pair else pick(["The patient", f"A {age_phrase}", "The patient"])
    subject_fixed = subj_pair[1] if subj_pair else subject_text
    if subject_text.startswith("A ") and article == "an":
        subject_text = subject_fixed = f"An {age_phrase}"
    if subject_text.startswith(("A ", "An ")):
        intro = (f"{subject_text} presented with {complaint}.", f"{subject_fixed} presented with {complaint}.")
    else:
        intro = (f"{subject_text}, {article} {age_phrase}, presented with {complaint}.",
                 f"{subject_fixed}, {article} {age_phrase}, presented with {complaint}.")
    fu_pairs = [] if drop_followup else [fu]
    if style == "narrative":
        doc.p(*extra_front, intro, f"Examination and tests showed {join_and(findings)}.", *extra_find,
              f"Assessment: {assess}.")
        doc.p(f"Plan: {join_and(plan)}.", *extra_plan, *fu_pairs, *extra_fu)
    elif style == "oneliner":
        doc.p(*extra_front, intro, f"Findings: {'; '.join(findings)}.", *extra_find,
              f"Impression: {assess}. Plan: {'; '.join(plan)}.", *extra_plan, *fu_pairs, *extra_fu)
    elif style == "bullets":
        doc.p(*extra_front, intro)
        doc.ul([cap1(x) + "." for x in findings] + [(a, b) for a, b in extra_find])
        doc.p(f"Impression: {assess}.")
        doc.ul([cap1(x) + "." for x in plan] + [(a, b) for a, b in extra_plan])
        doc.p(*fu_pairs, *extra_fu)
    else:
        if style == "bold":
            H = lambda t: f"**{t}:**"  # noqa: E731
        else:
            H = lambda t: f"### {t}"  # noqa: E731
        sep_inline = style == "bold"
        if subj_pair:
            pc = (f"{subj_pair[0]} ({age_phrase}): {complaint}.", f"{cap1(age_phrase)}: {complaint}.")
        else:
            pc = f"{cap1(age_phrase)}: {complaint}."
        if sep_inline:
            pc_pair = pc if isinstance(pc, tuple) else (pc, pc)
            doc.p((f"{H('Presenting complaint')} {pc_pair[0]}", f"{H('Presenting complaint')} {pc_pair[1]}"), *extra_front)
            doc.raw(H("Findings"))
        else:
            doc.raw(H("Presenting complaint"))
            doc.p(*extra_front, pc)
            doc.raw(H("Findings"))
        doc.ul([cap1(x) + "." for x in findings] + [(a, b) for a, b in extra_find]
               + ([f"Impression: {assess}."] if chance(0.7) else []))
        doc.raw(H("Plan"))
        if chance(0.5):
            doc.ol([cap1(x) + "." for x in plan] + [(a, b) for a, b in extra_plan])
        else:
            doc.ul([cap1(x) + "." for x in plan] + [(a, b) for a, b in extra_plan])
        if not drop_followup:
            if sep_inline:
                doc.p((f"{H('Follow-up')} {fu}", f"{H('Follow-up')} {fu}"), *extra_fu)
            else:
                doc.raw(H("Follow-up"))
                doc.p(fu, *extra_fu)
        elif extra_fu:
            doc.p(*extra_fu)
    output, fixed = doc.render()
    if drop_followup:
        fixed = fixed + ("\n\n" + (f"**Follow-up:** {fu}" if style == "bold" else f"### Follow-up\n{fu}"))
    meta = {}
    if chance(0.85):
        meta = {"clinic": clinic, "note_type": pick(["consultation", "follow-up", "telephone", "consultation"]),
                "encounter_id": f"enc_{rng.getrandbits(40):010x}", "scenario": sc["key"]}
    return dict(prompt=prompt, output=output, fixed=fixed, flags=flags, metadata=meta)


# =========================================================================== sql-assistant

SQL_SCHEMA = """Schema (PostgreSQL 16, analytics warehouse):
sales.orders(order_id, customer_id, order_date, status, channel, region, total_amount, currency)
sales.order_items(order_id, product_id, quantity, unit_price, discount_pct)
sales.products(product_id, sku, name, category, launch_date, list_price)
sales.refunds(refund_id, order_id, refund_date, amount, reason)
crm.customers(customer_id, first_name, last_name, email, phone, signup_date, country, loyalty_tier)
ops.shipments(shipment_id, order_id, carrier, warehouse, shipped_at, delivered_at)
ops.support_tickets(ticket_id, customer_id, opened_at, closed_at, category, priority, csat)
marketing.campaigns(campaign_id, name, channel, start_date, end_date, budget)
marketing.attributions(order_id, campaign_id, touch_type)"""

SQL_SYSTEM = {
    "v1": ("You translate analytics questions into SQL for our PostgreSQL warehouse. Respond in JSON with "
           "the keys \"sql\" and \"explanation\".\n\n" + SQL_SCHEMA),
    "v2": ("You translate analytics questions into PostgreSQL for the analytics warehouse.\n"
           "Respond with a single JSON object with exactly the keys \"sql\" (string), \"explanation\" "
           "(string, max 3 sentences) and \"tables\" (array of schema-qualified table names). No Markdown "
           "fences and no text outside the JSON.\n"
           "Only use the tables and columns listed below. Never select raw e-mail or phone columns and never "
           "include example customer data in the explanation. Use explicit column lists, not SELECT *.\n\n"
           + SQL_SCHEMA),
}

REGIONS = ["EMEA", "NA", "APAC", "LATAM"]
CATEGORIES = ["small appliances", "cookware", "bedding", "coffee", "cleaning", "tableware"]
CARRIERS = ["UPS", "DHL", "FedEx", "DPD", "USPS"]
MONTHS = [("2026-08", "August"), ("2026-09", "September"), ("2026-10", "October")]
TIERS = ["bronze", "silver", "gold", "platinum"]


def _sq(q, sql, expl, tables):
    return dict(q=q, sql=sql, expl=expl, tables=tables)


def sq_monthly_revenue():
    region, n = pick(REGIONS), pick([3, 6, 12])
    return _sq(pick([f"What was monthly revenue in {region} for the last {n} months?",
                     f"Show me revenue per month for {region}, last {n} months",
                     f"monthly net sales {region} past {n} months pls"]),
               f"SELECT date_trunc('month', o.order_date) AS month,\n       SUM(o.total_amount) AS revenue\n"
               f"FROM sales.orders o\nWHERE o.region = '{region}'\n  AND o.status = 'completed'\n"
               f"  AND o.order_date >= date_trunc('month', CURRENT_DATE) - INTERVAL '{n} months'\nGROUP BY 1\nORDER BY 1;",
               pick([f"Sums completed order totals per calendar month for {region}, starting {n} months before the current month.",
                     f"Groups completed orders in {region} by month and adds up total_amount. Cancelled and pending orders are excluded."]),
               ["sales.orders"])


def sq_top_products():
    cat, n, d = pick(CATEGORIES), pick([5, 10, 20]), pick([30, 60, 90])
    return _sq(pick([f"Top {n} products by revenue in {cat} over the last {d} days",
                     f"Which {cat} products made the most money in the past {d} days? Top {n}.",
                     f"best sellers {cat} last {d}d by revenue, top {n}"]),
               "SELECT p.sku, p.name,\n       SUM(oi.quantity * oi.unit_price * (1 - oi.discount_pct / 100.0)) AS revenue\n"
               "FROM sales.order_items oi\nJOIN sales.orders o ON o.order_id = oi.order_id\nJOIN sales.products p ON p.product_id = oi.product_id\n"
               f"WHERE p.category = '{cat}'\n  AND o.status = 'completed'\n  AND o.order_date >= CURRENT_DATE - INTERVAL '{d} days'\n"
               f"GROUP BY p.sku, p.name\nORDER BY revenue DESC\nLIMIT {n};",
               pick([f"Joins order lines to products, applies the line discount and ranks {cat} products by net revenue over the last {d} days.",
                     f"Net line revenue (after discount) per product for completed orders in the last {d} days, top {n}."]),
               ["sales.order_items", "sales.orders", "sales.products"])


def sq_refund_rate():
    return _sq(pick(["What's the refund rate by product category last quarter?",
                     "Refund rate per category for Q3 2026", "which categories have the highest share of refunded orders (last quarter)"]),
               "WITH q AS (\n  SELECT o.order_id, p.category\n  FROM sales.orders o\n  JOIN sales.order_items oi ON oi.order_id = o.order_id\n"
               "  JOIN sales.products p ON p.product_id = oi.product_id\n  WHERE o.order_date >= date_trunc('quarter', CURRENT_DATE) - INTERVAL '3 months'\n"
               "    AND o.order_date < date_trunc('quarter', CURRENT_DATE)\n)\nSELECT q.category,\n"
               "       COUNT(DISTINCT r.order_id)::numeric / NULLIF(COUNT(DISTINCT q.order_id), 0) AS refund_rate\n"
               "FROM q\nLEFT JOIN sales.refunds r ON r.order_id = q.order_id\nGROUP BY q.category\nORDER BY refund_rate DESC;",
               pick(["Counts orders with at least one refund divided by all orders per category, for the previous calendar quarter.",
                     "Share of orders in each category that had a refund, previous quarter. An order with items in two categories counts for both."]),
               ["sales.orders", "sales.order_items", "sales.products", "sales.refunds"])


def sq_delivery_time():
    m, mname = pick(MONTHS)
    return _sq(pick([f"Average delivery time by carrier in {mname}", f"How many days does each carrier take to deliver, {mname} 2026?",
                     f"carrier performance {mname}: avg days shipped→delivered"]),
               "SELECT s.carrier,\n       AVG(EXTRACT(EPOCH FROM (s.delivered_at - s.shipped_at)) / 86400.0) AS avg_days,\n       COUNT(*) AS shipments\n"
               f"FROM ops.shipments s\nWHERE s.shipped_at >= DATE '{m}-01'\n  AND s.shipped_at < DATE '{m}-01' + INTERVAL '1 month'\n"
               "  AND s.delivered_at IS NOT NULL\nGROUP BY s.carrier\nORDER BY avg_days;",
               f"Average days between shipped_at and delivered_at per carrier for shipments sent in {mname} 2026; undelivered shipments are ignored.",
               ["ops.shipments"])


def sq_repeat_customers():
    m, mname = pick(MONTHS)
    k = pick([2, 3])
    return _sq(pick([f"How many customers who signed up in {mname} have placed at least {k} orders?",
                     f"count of {mname} signups with {k}+ orders"]),
               "SELECT COUNT(*) AS customers\nFROM (\n  SELECT c.customer_id\n  FROM crm.customers c\n  JOIN sales.orders o ON o.customer_id = c.customer_id\n"
               f"  WHERE c.signup_date >= DATE '{m}-01'\n    AND c.signup_date < DATE '{m}-01' + INTERVAL '1 month'\n"
               f"  GROUP BY c.customer_id\n  HAVING COUNT(o.order_id) >= {k}\n) t;",
               f"Finds customers whose signup_date falls in {mname} 2026, keeps those with {k} or more orders, and counts them.",
               ["crm.customers", "sales.orders"])


def sq_ticket_resolution():
    w = pick([4, 8, 12])
    return _sq(pick([f"Average ticket resolution time in hours by priority, last {w} weeks",
                     f"How long do support tickets take to close per priority level? Past {w} weeks."]),
               "SELECT t.priority,\n       ROUND(AVG(EXTRACT(EPOCH FROM (t.closed_at - t.opened_at)) / 3600.0), 1) AS avg_hours,\n       COUNT(*) AS tickets\n"
               f"FROM ops.support_tickets t\nWHERE t.opened_at >= CURRENT_DATE - INTERVAL '{w} weeks'\n  AND t.closed_at IS NOT NULL\n"
               "GROUP BY t.priority\nORDER BY t.priority;",
               f"Averages closed_at minus opened_at in hours for closed tickets opened in the last {w} weeks, per priority.",
               ["ops.support_tickets"])


def sq_csat():
    return _sq(pick(["Average CSAT by ticket category", "Which support categories have the worst CSAT this year?",
                     "csat per category 2026, only categories with 50+ rated tickets"]),
               "SELECT t.category,\n       ROUND(AVG(t.csat), 2) AS avg_csat,\n       COUNT(t.csat) AS rated_tickets\n"
               "FROM ops.support_tickets t\nWHERE t.opened_at >= DATE '2026-01-01'\n  AND t.csat IS NOT NULL\n"
               "GROUP BY t.category\nHAVING COUNT(t.csat) >= 50\nORDER BY avg_csat;",
               "Average CSAT per ticket category for tickets opened in 2026, ignoring unrated tickets and categories with fewer than 50 ratings.",
               ["ops.support_tickets"])


def sq_repeat_rate_tier():
    return _sq(pick(["Repeat purchase rate by loyalty tier", "What share of customers in each loyalty tier ordered more than once?"]),
               "SELECT c.loyalty_tier,\n       AVG(CASE WHEN n.orders > 1 THEN 1.0 ELSE 0.0 END) AS repeat_rate,\n       COUNT(*) AS customers\n"
               "FROM crm.customers c\nJOIN (\n  SELECT customer_id, COUNT(*) AS orders\n  FROM sales.orders\n  WHERE status = 'completed'\n"
               "  GROUP BY customer_id\n) n ON n.customer_id = c.customer_id\nGROUP BY c.loyalty_tier\nORDER BY repeat_rate DESC;",
               "For every customer with at least one completed order, flags whether they have more than one, then averages that flag per loyalty tier.",
               ["crm.customers", "sales.orders"])


def sq_roas():
    ch = pick(["paid_social", "search", "email", "affiliate"])
    return _sq(pick([f"ROAS per campaign for {ch} campaigns that ended this year",
                     f"Return on ad spend for our {ch.replace('_', ' ')} campaigns in 2026"]),
               "SELECT c.campaign_id, c.name, c.budget,\n       SUM(o.total_amount) AS attributed_revenue,\n"
               "       SUM(o.total_amount) / NULLIF(c.budget, 0) AS roas\nFROM marketing.campaigns c\n"
               "JOIN marketing.attributions a ON a.campaign_id = c.campaign_id AND a.touch_type = 'last'\n"
               "JOIN sales.orders o ON o.order_id = a.order_id AND o.status = 'completed'\n"
               f"WHERE c.channel = '{ch}'\n  AND c.end_date >= DATE '2026-01-01'\nGROUP BY c.campaign_id, c.name, c.budget\nORDER BY roas DESC;",
               f"Last-touch attributed revenue of completed orders divided by campaign budget, for {ch} campaigns ending in 2026.",
               ["marketing.campaigns", "marketing.attributions", "sales.orders"])


def sq_late_shipments():
    d = pick([3, 5, 7])
    return _sq(pick([f"Which warehouses have the most orders delivered more than {d} days after the order date?",
                     f"late deliveries (> {d} days from order) by warehouse, last 90 days"]),
               "SELECT s.warehouse,\n       COUNT(*) FILTER (WHERE s.delivered_at > o.order_date + INTERVAL '" + str(d) + " days') AS late,\n"
               "       COUNT(*) AS total\nFROM ops.shipments s\nJOIN sales.orders o ON o.order_id = s.order_id\n"
               "WHERE o.order_date >= CURRENT_DATE - INTERVAL '90 days'\nGROUP BY s.warehouse\nORDER BY late DESC;",
               f"Counts, per warehouse, shipments delivered more than {d} days after the order date over the last 90 days, next to the total.",
               ["ops.shipments", "sales.orders"])


def sq_daily_orders():
    d = pick([7, 14, 28])
    return _sq(pick([f"Daily order count by channel for the last {d} days", f"orders per day per channel, past {d} days"]),
               "SELECT o.order_date::date AS day, o.channel, COUNT(*) AS orders\nFROM sales.orders o\n"
               f"WHERE o.order_date >= CURRENT_DATE - INTERVAL '{d} days'\nGROUP BY 1, 2\nORDER BY 1, 2;",
               f"Counts orders per calendar day and channel for the last {d} days, all statuses included.",
               ["sales.orders"])


def sq_aov_country():
    return _sq(pick(["Average order value by country, top 10", "Which 10 countries have the highest AOV?"]),
               "SELECT c.country,\n       AVG(o.total_amount) AS avg_order_value,\n       COUNT(*) AS orders\nFROM sales.orders o\n"
               "JOIN crm.customers c ON c.customer_id = o.customer_id\nWHERE o.status = 'completed'\nGROUP BY c.country\n"
               "HAVING COUNT(*) >= 100\nORDER BY avg_order_value DESC\nLIMIT 10;",
               "Average total_amount of completed orders per customer country; countries with fewer than 100 orders are left out to avoid noise.",
               ["sales.orders", "crm.customers"])


def sq_never_ordered():
    return _sq(pick(["List products that have never been ordered since launch", "Which SKUs have zero sales?"]),
               "SELECT p.sku, p.name, p.launch_date\nFROM sales.products p\nWHERE NOT EXISTS (\n  SELECT 1 FROM sales.order_items oi WHERE oi.product_id = p.product_id\n)\nORDER BY p.launch_date;",
               "Products with no matching order line at all, oldest launch first.",
               ["sales.products", "sales.order_items"])


def sq_basket_size():
    return _sq(pick(["Median number of items per order by month this year", "median basket size per month 2026"]),
               "SELECT date_trunc('month', o.order_date) AS month,\n       percentile_cont(0.5) WITHIN GROUP (ORDER BY i.items) AS median_items\n"
               "FROM sales.orders o\nJOIN (\n  SELECT order_id, SUM(quantity) AS items FROM sales.order_items GROUP BY order_id\n) i ON i.order_id = o.order_id\n"
               "WHERE o.order_date >= DATE '2026-01-01'\nGROUP BY 1\nORDER BY 1;",
               "Sums item quantities per order, then takes the median per order month for 2026.",
               ["sales.orders", "sales.order_items"])


def sq_wow_growth():
    region = pick(REGIONS)
    return _sq(pick([f"Week-over-week revenue growth for {region}, last 12 weeks", f"WoW revenue change {region}"]),
               "WITH w AS (\n  SELECT date_trunc('week', order_date) AS week, SUM(total_amount) AS revenue\n  FROM sales.orders\n"
               f"  WHERE region = '{region}' AND status = 'completed'\n    AND order_date >= CURRENT_DATE - INTERVAL '13 weeks'\n  GROUP BY 1\n)\n"
               "SELECT week, revenue,\n       revenue / NULLIF(LAG(revenue) OVER (ORDER BY week), 0) - 1 AS wow_growth\nFROM w\nORDER BY week;",
               f"Weekly completed revenue for {region} with the change versus the previous week; the first week has no growth value.",
               ["sales.orders"])


def sq_discount_share():
    pct = pick([15, 20, 30])
    return _sq(pick([f"What share of orders had a line discount above {pct}% last month?", f"% of orders with >{pct}% discount, last month"]),
               f"SELECT AVG(CASE WHEN d.max_discount > {pct} THEN 1.0 ELSE 0.0 END) AS share_discounted\nFROM (\n"
               "  SELECT oi.order_id, MAX(oi.discount_pct) AS max_discount\n  FROM sales.order_items oi\n  JOIN sales.orders o ON o.order_id = oi.order_id\n"
               "  WHERE o.order_date >= date_trunc('month', CURRENT_DATE) - INTERVAL '1 month'\n    AND o.order_date < date_trunc('month', CURRENT_DATE)\n"
               "  GROUP BY oi.order_id\n) d;",
               f"Takes the highest line discount per order placed last calendar month and computes the share of orders where it exceeds {pct}%.",
               ["sales.order_items", "sales.orders"])


def sq_refund_reasons():
    cat = pick(CATEGORIES)
    return _sq(pick([f"Top refund reasons for {cat}", f"why do people refund {cat}? top reasons with counts"]),
               "SELECT r.reason, COUNT(*) AS refunds, SUM(r.amount) AS refunded_amount\nFROM sales.refunds r\n"
               "JOIN sales.order_items oi ON oi.order_id = r.order_id\nJOIN sales.products p ON p.product_id = oi.product_id\n"
               f"WHERE p.category = '{cat}'\nGROUP BY r.reason\nORDER BY refunds DESC\nLIMIT 10;",
               f"Counts refunds and refunded amount per reason for orders containing {cat} products.",
               ["sales.refunds", "sales.order_items", "sales.products"])


def sq_heavy_ticket_customers():
    n = pick([3, 4, 5])
    return _sq(pick([f"How many customers opened more than {n} tickets in the last 30 days, by loyalty tier?",
                     f"customers with >{n} tickets past month per tier"]),
               "SELECT c.loyalty_tier, COUNT(*) AS customers\nFROM (\n  SELECT customer_id\n  FROM ops.support_tickets\n"
               f"  WHERE opened_at >= CURRENT_DATE - INTERVAL '30 days'\n  GROUP BY customer_id\n  HAVING COUNT(*) > {n}\n) t\n"
               "JOIN crm.customers c ON c.customer_id = t.customer_id\nGROUP BY c.loyalty_tier;",
               f"Customers with more than {n} tickets opened in the last 30 days, counted per loyalty tier.",
               ["ops.support_tickets", "crm.customers"])


SQL_SPECS = [sq_monthly_revenue, sq_top_products, sq_refund_rate, sq_delivery_time, sq_repeat_customers,
             sq_ticket_resolution, sq_csat, sq_repeat_rate_tier, sq_roas, sq_late_shipments, sq_daily_orders,
             sq_aov_country, sq_never_ordered, sq_basket_size, sq_wow_growth, sq_discount_share, sq_refund_reasons,
             sq_heavy_ticket_customers]

SQL_CLAIMS = [
    "The orders table is refreshed every five minutes, so the numbers are effectively real-time.",
    "This runs in well under a second because sales.orders is partitioned by order_date.",
    "Completed orders already exclude refunded amounts, so no adjustment is needed.",
    "Revenue in total_amount is already converted to USD for all regions.",
    "Industry benchmarks put a healthy value for this metric at around 35%.",
    "The shipments table only contains UPS and DHL data before March, so earlier months are incomplete.",
]
SQL_RUDE = ["This is a pretty basic question, to be honest.", "Any analyst should be able to write this one themselves."]


def followup_text(q):
    lead = pick(["Thanks. Now: ", "Great. Follow-up — ", "ok and ", "Perfect. Next one: ", "thx. also "])
    return lead + (q[:1].lower() + q[1:] if lead[0].islower() else q)


def _dump(obj, compact):
    return json.dumps(obj, ensure_ascii=False) if compact else json.dumps(obj, indent=2, ensure_ascii=False)


def _json_error(text):
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        return f"Output is not valid JSON: {e}"
    return "Output is not valid JSON"


def make_sql(version, model, quality, issues, created):
    spec_fn = pick(SQL_SPECS)
    spec = spec_fn()
    sql = spec["sql"]
    compact_sql = chance(0.2)
    if compact_sql:
        sql = re.sub(r"\s*\n\s*", " ", sql)
    if "select_star" in issues and sql.startswith("WITH"):
        issues = [k for k in issues if k != "select_star"]
    if "select_star" in issues:
        body = sql.rstrip(";")
        if compact_sql:
            sql = f"WITH base AS ({body}) SELECT * FROM base;"
        else:
            sql = "WITH base AS (\n" + "\n".join("  " + ln for ln in body.split("\n")) + "\n)\nSELECT *\nFROM base;"
    expl = spec["expl"]
    extra_sent = []
    flags = []
    clean = {"sql": spec["sql"] if not compact_sql else re.sub(r"\s*\n\s*", " ", spec["sql"]), "explanation": expl}
    if version == "v2":
        clean["tables"] = spec["tables"]
    for kind in issues:
        if kind == "claim":
            c = pick(SQL_CLAIMS)
            extra_sent.append(c)
            flags.append(flag("hallucination", "unsupported_claim", sev([("info", 1), ("warning", 4), ("error", 1)], quality),
                              pick(["Claim about data freshness/performance not supported by schema docs",
                                    "Unsupported factual statement in explanation"]), uniform(0.55, 0.9, 2), c))
        elif kind == "pii":
            first, last = person()
            em = customer_email(first, last)
            name = f"{first} {last}"
            extra_sent.append(f"For example, {name} ({em}) would be counted once even with several orders.")
            flags.append(flag("pii", "email", sev([("error", 4), ("critical", 1)], quality), "E-mail address in output",
                              uniform(0.9, 0.99, 2), em))
            if chance(0.6):
                flags.append(flag("pii", "person_name", sev([("warning", 3), ("error", 1)], quality), "Person name in output",
                                  uniform(0.75, 0.95, 2), name))
        elif kind == "rude":
            r = pick(SQL_RUDE)
            extra_sent.append(r)
            flags.append(flag("toxicity", "insult", sev([("info", 1), ("warning", 3)], quality), "Condescending remark",
                              uniform(0.55, 0.8, 2), r))
        elif kind == "select_star":
            flags.append(flag("sql_lint", "select_star", "info", "SELECT * in analytical query; list columns explicitly",
                              uniform(0.99, 1.0, 2), "SELECT *"))
    obj = {"sql": sql, "explanation": " ".join([expl, *extra_sent])}
    if version == "v2":
        obj["tables"] = spec["tables"]
    if "missing_field" in issues and "invalid_json" in issues:
        issues = [k for k in issues if k != "missing_field"]   # the schema validator stops at the parse error
    if "missing_field" in issues:
        missing = "tables" if version == "v2" and chance(0.7) else "explanation"
        del obj[missing]
        flags.append(flag("schema", "missing_field", sev([("warning", 4), ("error", 1)], quality),
                          f"Required field '{missing}' missing from JSON object", 1.0, None))
    compact = chance(0.3)
    output = _dump(obj, compact)
    if "invalid_json" in issues:
        mode = weighted([("fence", 3), ("prose", 2), ("trailing_comma", 2), ("truncated", 2), ("single_quotes", 1),
                         ("raw_newlines", 2 if not compact_sql else 0)])
        good = _dump(obj, False)
        if mode == "fence":
            output = "```json\n" + good + "\n```"
            span = "```json"
        elif mode == "prose":
            lead = pick(["Here's the query you asked for:", "Sure! Here is the SQL:", "Of course. The query below should work:"])
            output = lead + "\n\n" + good
            span = lead
        elif mode == "trailing_comma":
            output = good[:-2] + ",\n}"
            span = ",\n}"
        elif mode == "truncated":
            key = '"explanation"' if "explanation" in obj else '"sql"'
            cut = good.index(key) + rng.randint(30, 60)
            output = good[:cut]
            span = output[output.index(key):]
        elif mode == "single_quotes":
            output = repr(obj)
            span = "{'sql'"
        else:
            parts = ['{\n  "sql": "' + sql + '"']
            if "explanation" in obj:
                parts.append(',\n  "explanation": "' + obj["explanation"] + '"')
            if "tables" in obj:
                parts.append(',\n  "tables": ' + json.dumps(obj["tables"]))
            output = "".join(parts) + "\n}"
            span = sql
        s = sev([("error", 4), ("critical", 2)] if mode in ("truncated", "single_quotes") else [("warning", 1), ("error", 4)], quality)
        flags.insert(0, flag("schema", "invalid_json", s, _json_error(output), 1.0, span))
    if compact and "invalid_json" not in issues:
        fixed = _dump(clean, True)
    else:
        fixed = _dump(clean, False)

    shape = weighted([("chat", 55), ("followup", 15), ("plain", 30)])
    if shape == "plain":
        prompt = (f"-- sql-assistant {version}\n{SQL_SCHEMA}\n\nQuestion: {spec['q']}\n"
                  + ("Answer as JSON with keys sql, explanation" + (", tables." if version == "v2" else ".")))
    elif shape == "followup":
        prev = spec_fn()
        prev_obj = {"sql": prev["sql"], "explanation": prev["expl"]}
        if version == "v2":
            prev_obj["tables"] = prev["tables"]
        prompt = [{"role": "system", "content": SQL_SYSTEM[version]},
                  {"role": "user", "content": prev["q"]},
                  {"role": "assistant", "content": json.dumps(prev_obj, ensure_ascii=False)},
                  {"role": "user", "content": followup_text(spec["q"])}]
    else:
        prompt = [{"role": "system", "content": SQL_SYSTEM[version]}, {"role": "user", "content": spec["q"]}]
    meta = {}
    if chance(0.85):
        meta = {"requested_by_team": pick(["finance", "growth", "ops", "merchandising", "cx"]),
                "db": "analytics-pg-prod", "query": spec_fn.__name__.removeprefix("sq_")}
        if "invalid_json" not in issues:
            meta["executed"] = chance(0.7)
            if meta["executed"]:
                meta["rows_returned"] = rng.randint(1, 240)
    return dict(prompt=prompt, output=output, fixed=fixed, flags=flags, metadata=meta)


# =========================================================================== product-description

PRODUCT_SYSTEM = {
    "v4": ("You write product descriptions for the Lumen & Oak online store. Use the attributes provided. "
           "80–150 words, upbeat and inviting."),
    "v5": ("You write product descriptions for the Lumen & Oak online store.\n"
           "Structure: a one-line hook, one short paragraph, then 3–5 Markdown bullet points with key features.\n"
           "Length: 60–120 words.\n"
           "Only state facts present in the attributes. No health or performance claims, no comparisons with "
           "competitors, no invented awards, reviews or statistics, no return or refund promises. Warm, calm "
           "brand voice; no exclamation marks."),
}

PRODUCTS = [
    dict(name="Alder Side Table", cat="furniture", material="solid white oak with a hardwax oil finish", dims="45 × 45 × 55 cm",
         colors=["natural oak", "smoked oak"], care="wipe with a damp cloth; re-oil once a year",
         features=["Solid white oak top and legs", "Hand-rubbed hardwax oil finish", "Tool-free assembly in under five minutes", "Felt pads to protect floors"],
         hooks=["A small table with a quiet, solid presence.", "Everyday oak, made to be used."],
         body=["Its compact footprint fits beside a sofa or a bed without crowding the room.", "The oil finish brings out the grain and deepens in colour over the years."]),
    dict(name="Merino Waffle Throw", cat="textiles", material="100% merino wool in a deep waffle weave", dims="130 × 180 cm",
         colors=["oat", "moss", "charcoal"], care="hand wash cold or dry clean; dry flat",
         features=["Soft, breathable merino wool", "Textured waffle weave", "Generous 130 × 180 cm size", "Woven in Portugal"],
         hooks=["Warmth you can see.", "The throw you'll reach for every evening."],
         body=["The waffle weave traps warmth while letting the wool breathe.", "Drape it over the arm of a chair or the end of the bed."]),
    dict(name="Stoneware Pour-Over Set", dims_sentence="The carafe holds 600 ml and the dripper is 11 cm across.", cat="kitchen", material="reactive-glaze stoneware", dims="dripper Ø 11 cm, carafe 600 ml",
         colors=["speckled white", "iron brown"], care="dishwasher safe",
         features=["Dripper and 600 ml carafe", "Fits standard size 02 paper filters", "Reactive glaze — every piece is unique", "Dishwasher safe"],
         hooks=["Slow coffee, done beautifully.", "A morning ritual in two pieces."],
         body=["The dripper sits neatly on the carafe for brewing one or two cups.", "Each piece is glazed by hand, so the colour varies slightly."]),
    dict(name="Linen Napkins, Set of 4", dims_sentence="Each napkin measures 45 × 45 cm.", cat="table linen", material="stonewashed European linen", dims="45 × 45 cm each",
         colors=["sand", "sage", "white", "rust"], care="machine wash at 40 °C; tumble dry low",
         features=["Set of four 45 cm napkins", "Stonewashed for a soft, relaxed feel", "Mitred corners", "Machine washable"],
         hooks=["Relaxed linen for every table.", "Dinner, made a little more special."],
         body=["Stonewashing gives the linen a lived-in softness from the first use.", "They get softer with every wash."]),
    dict(name="Rattan Pendant Lamp", cat="lighting", material="hand-woven natural rattan", dims="Ø 40 cm, height 28 cm",
         colors=["natural"], care="dust with a soft brush",
         features=["Hand-woven rattan shade", "1.5 m adjustable fabric cable", "E27 fitting, bulb not included", "Casts a warm, patterned light"],
         hooks=["Soft, patterned light for the table or hallway.", "Woven by hand, glowing by night."],
         body=["The open weave throws gentle shadows across walls and ceilings.", "Hang it low over a dining table or in a group of two or three."]),
    dict(name="Organic Percale Sheet Set", dims_sentence="Sizes: double, king and super king.", cat="bedding", material="GOTS-certified organic cotton percale, 300 thread count", dims="double, king and super king",
         colors=["white", "stone", "dusty blue"], care="machine wash at 40 °C",
         features=["Flat sheet, fitted sheet and two pillowcases", "Crisp, cool percale weave", "GOTS-certified organic cotton", "Deep fitted sheet for mattresses up to 35 cm"],
         hooks=["Crisp, cool and easy to live with.", "The bedding that feels like a good hotel."],
         body=["Percale has a matte, crisp finish that stays cool through the night.", "The fitted sheet has a deep pocket and all-round elastic."]),
    dict(name="Hand-Thrown Planter", cat="garden", material="terracotta clay with a white slip glaze", dims="Ø 22 cm, height 20 cm",
         colors=["chalk white", "raw terracotta"], care="bring indoors in frost",
         features=["Thrown by hand on the wheel", "Drainage hole and matching saucer", "Suitable indoors and outdoors in summer"],
         hooks=["A handmade home for your favourite plant.", "Slow-made, for slow-growing things."],
         body=["Each planter carries the marks of the potter's hands.", "The matching saucer protects windowsills and shelves."]),
    dict(name="Wool Bouclé Accent Chair", cat="furniture", material="wool-blend bouclé over a beech frame", dims="W 72 × D 78 × H 76 cm, seat height 42 cm",
         colors=["ivory", "caramel"], care="vacuum regularly; spot clean only",
         features=["Textured wool-blend bouclé", "Solid beech frame", "High-resilience foam seat", "Arrives fully assembled"],
         hooks=["A soft, sculptural seat for any corner.", "The chair everyone wants to sit in."],
         body=["Rounded arms and a deep seat make it easy to curl up with a book.", "The bouclé adds texture next to smooth wood and leather."]),
    dict(name="Recycled Glass Carafe", dims_sentence="It holds a full litre.", cat="kitchen", material="100% recycled glass", dims="1 L",
         colors=["clear", "sea green"], care="dishwasher safe",
         features=["1 litre capacity", "Made from recycled glass", "Tumbler doubles as a lid", "Dishwasher safe"],
         hooks=["Water on the bedside table, beautifully.", "Everyday glass with a second life."],
         body=["Small bubbles and a faint green tint are part of the recycled glass.", "The tumbler sits on top as a dust cover."]),
    dict(name="Jute Runner Rug", cat="rugs", material="hand-braided natural jute", dims="70 × 200 cm",
         colors=["natural"], care="vacuum without beater bar; spot clean",
         features=["Hand-braided jute", "70 × 200 cm runner size", "Reversible", "Use with a non-slip underlay"],
         hooks=["Natural texture underfoot.", "An easy way to warm up a hallway."],
         body=["The braided jute is hard-wearing, ideal for hallways and kitchens.", "It's reversible, so you can turn it to spread the wear."]),
    dict(name="Enamel Dutch Oven 4.7 L", dims_sentence="It's 26 cm across and holds 4.7 litres.", cat="cookware", material="enamelled cast iron", dims="Ø 26 cm, 4.7 L",
         colors=["cream", "forest green", "cherry"], care="hand wash recommended",
         features=["Enamelled cast iron body and lid", "Suitable for all hobs including induction", "Oven safe to 250 °C", "4.7 litre capacity"],
         hooks=["One pot for stews, bread and Sunday roasts.", "Slow cooking, the old-fashioned way."],
         body=["Cast iron holds heat evenly for long braises and crusty bread.", "The enamel interior needs no seasoning."]),
    dict(name="Beeswax Food Wraps, Set of 3", dims_sentence="Sizes: small (18 cm), medium (25 cm) and large (33 cm).", cat="kitchen", material="organic cotton coated in beeswax, tree resin and jojoba oil", dims="S 18 cm, M 25 cm, L 33 cm",
         colors=["botanical print", "ochre stripe"], care="rinse in cool water with mild soap",
         features=["Three sizes", "Reusable for up to a year with care", "Compostable at end of life", "Not for raw meat"],
         hooks=["Cover bowls, wrap sandwiches, skip the cling film.", "A small swap for the kitchen drawer."],
         body=["The warmth of your hands softens the wax so it moulds around bowls and food.", "Rinse, air dry and use again."]),
    dict(name="Walnut Wall Shelf", cat="furniture", material="solid American black walnut", dims="80 × 18 × 3 cm",
         colors=["walnut"], care="wipe clean; avoid standing water",
         features=["Solid walnut", "Concealed steel bracket", "Holds up to 15 kg when fixed into studs or masonry", "Fixings included"],
         hooks=["A floating shelf in rich, dark walnut.", "Space for the things you like looking at."],
         body=["The concealed bracket makes it look as if it's floating on the wall.", "Use it for books, plants or a row of favourite mugs."]),
    dict(name="Marble Mortar & Pestle", cat="kitchen", material="polished white marble", dims="Ø 14 cm",
         colors=["white marble", "green marble"], care="hand wash; dry immediately",
         features=["Solid marble", "Unpolished grinding surface inside", "Heavy, stable base"],
         hooks=["Freshly ground spices, every time.", "A kitchen tool that lasts a lifetime."],
         body=["The rough inner bowl grips seeds and peppercorns as you grind.", "Heavy enough not to slide around the counter."]),
    dict(name="Terrazzo Coasters, Set of 4", cat="tableware", material="cast terrazzo with a cork backing", dims="Ø 10 cm",
         colors=["confetti", "grey"], care="wipe clean",
         features=["Set of four", "Cork backing protects surfaces", "Sealed against water rings"],
         hooks=["Small, bright and useful.", "A flash of colour on the coffee table."],
         body=["Each coaster is cast with marble and glass chips, so no two are the same.", "The cork backing keeps them from scratching wood."]),
    dict(name="Linen Weighted Blanket", cat="bedding", material="stonewashed linen with a glass-bead inner", dims="135 × 200 cm, 7 kg",
         colors=["natural", "slate"], care="cover machine washable at 40 °C; inner spot clean",
         features=["7 kg glass-bead inner", "Removable stonewashed linen cover", "Quilted pockets keep the weight even", "135 × 200 cm"],
         hooks=["A heavy, calming layer for evenings on the sofa.", "Weight, texture and linen."],
         body=["Small quilted pockets keep the glass beads evenly spread.", "The linen cover zips off for washing."]),
    dict(name="Ceramic Table Lamp", cat="lighting", material="glazed ceramic with a natural linen shade", dims="height 48 cm, shade Ø 32 cm",
         colors=["chalk", "ochre", "blue glaze"], care="dust with a dry cloth",
         features=["Hand-glazed ceramic base", "Natural linen shade", "In-line switch on a 1.8 m cable", "E27 fitting, bulb not included"],
         hooks=["A warm pool of light for a sideboard or desk.", "Glazed by hand, made to glow."],
         body=["The glaze pools slightly at the base for a soft, handmade look.", "Pair it with a warm-white bulb for a cosy evening light."]),
    dict(name="Teak Bath Mat", cat="bathroom", material="FSC-certified teak", dims="50 × 80 cm",
         colors=["teak"], care="allow to dry between uses; oil occasionally",
         features=["FSC-certified teak", "Non-slip rubber feet", "Slatted design for quick drying"],
         hooks=["A spa touch for the bathroom floor.", "Warm wood underfoot after a shower."],
         body=["Teak's natural oils help it cope with a humid bathroom.", "Raised slats let water drain away and the wood dry quickly."]),
    dict(name="Glass Storage Jars, Set of 3", dims_sentence="The set includes 0.5 L, 1 L and 1.5 L jars.", cat="kitchen", material="borosilicate glass with bamboo lids", dims="0.5 L, 1 L and 1.5 L",
         colors=["clear"], care="jars dishwasher safe; hand wash lids",
         features=["Three sizes", "Airtight silicone seal", "Borosilicate glass", "Bamboo lids"],
         hooks=["Pantry staples, neatly on show.", "Clear jars for an organised shelf."],
         body=["The silicone seal keeps pasta, oats and coffee beans fresh.", "Stack them or line them up along an open shelf."]),
    dict(name="Velvet Cushion Cover", cat="textiles", material="cotton velvet with a linen back", dims="50 × 50 cm",
         colors=["mustard", "bottle green", "rose", "ink"], care="machine wash cold, inside out",
         features=["Cotton velvet front, linen back", "Concealed zip", "50 × 50 cm, insert sold separately"],
         hooks=["A little richness for the sofa.", "Deep colour, soft touch."],
         body=["The cotton velvet has a soft sheen that changes as the light moves.", "Mix it with linen cushions for contrast."]),
    dict(name="Oak Serving Board", cat="tableware", material="solid European oak", dims="55 × 22 × 2 cm",
         colors=["oak"], care="hand wash; oil with food-safe oil",
         features=["Solid oak", "Leather hanging loop", "Long shape for cheese, bread or charcuterie"],
         hooks=["Made for sharing.", "A long oak board for long evenings."],
         body=["The long shape suits a line of cheeses, bread and fruit down the table.", "Hang it by the leather loop when it isn't in use."]),
    dict(name="Seagrass Storage Basket", cat="storage", material="hand-woven seagrass", dims="Ø 38 cm, height 35 cm",
         colors=["natural"], care="dust; keep dry",
         features=["Hand-woven seagrass", "Two sturdy handles", "Large enough for blankets or toys"],
         hooks=["Storage that looks good out in the open.", "Woven by hand, ready for clutter."],
         body=["It's roomy enough for throws, laundry or a child's toys.", "The natural fibres soften the look of a shelf or corner."]),
    dict(name="Copper Watering Can", dims_sentence="It holds 1.5 litres.", cat="garden", material="copper-plated steel", dims="1.5 L",
         colors=["copper"], care="wipe dry after use; will patina over time",
         features=["1.5 litre capacity", "Long spout for precise watering", "Develops a natural patina"],
         hooks=["For the houseplants that deserve something nicer.", "Precise watering with a long, slim spout."],
         body=["The long spout reaches under leaves without splashing.", "Over time the copper develops a warm patina."]),
    dict(name="Stoneware Mug Set", dims_sentence="Each mug holds 350 ml.", cat="tableware", material="speckled stoneware", dims="350 ml each, set of 4",
         colors=["oat speckle", "charcoal"], care="dishwasher and microwave safe",
         features=["Set of four 350 ml mugs", "Speckled stoneware glaze", "Dishwasher and microwave safe"],
         hooks=["Your morning coffee, in good company.", "Four mugs for everyday tea and coffee."],
         body=["A wide handle and a comfortable weight make them easy to hold.", "The speckled glaze hides everyday marks."]),
    dict(name="Cedar Shoe Rack", cat="storage", material="western red cedar", dims="80 × 30 × 45 cm",
         colors=["natural cedar"], care="wipe clean",
         features=["Solid cedar slats", "Two tiers, up to 8 pairs", "Naturally aromatic wood"],
         hooks=["A tidier hallway, in warm cedar.", "Two tiers of calm by the front door."],
         body=["Slatted shelves let shoes air out between wears.", "Cedar has a light, natural scent."]),
]

DESIGNERS = ["Inês Carvalho", "Mikkel Sørensen", "Aiko Tanabe", "Lotte van Dijk", "Rafael Ortega", "Brigid Nolan"]
PRODUCT_CLAIMS = [
    "Voted the best {cat} piece of 2026 by Home & Hearth readers.",
    "Over 12,000 five-star reviews can't be wrong.",
    "Lasts three times longer than anything else on the market.",
    "Independent lab tests show it stays looking new for 25 years.",
    "Chosen by interior designers in 9 out of 10 showrooms.",
    "Our best-selling {cat} item three years running.",
    "Winner of the 2025 Scandinavian Craft Award.",
]
HEALTH_CLAIMS = [  # only plausible (and only made) for bedding and textiles
    "Clinically shown to improve sleep quality by 37%.",
    "Proven to reduce stress within minutes of use.",
    "Naturally hypoallergenic and recommended by dermatologists.",
]
PRODUCT_RUDE = [
    ("Stop wasting money on the flimsy junk the big-box stores sell to gullible shoppers.", "insult"),
    ("Only people with no taste would still buy the cheap imitations.", "insult"),
    ("If you can't see the difference, honestly, this probably isn't for you.", "insult"),
]
PRODUCT_PROMISE = [
    "Don't love it? We'll refund every penny, no questions asked, for life.",
    "If it ever wears out, we'll give you your money back — guaranteed.",
    "Try it for a year; if you're not happy we'll refund you in full and you can keep it.",
]


def make_product(version, model, quality, issues, created):
    pr = pick(PRODUCTS)
    color = pick(pr["colors"])
    sku = f"LO-{pr['cat'][:3].upper()}-{rng.randint(1000, 9999)}"
    attrs = [f"- material: {pr['material']}", f"- dimensions: {pr['dims']}", f"- colours: {', '.join(pr['colors'])}",
             f"- care: {pr['care']}"] + [f"- feature: {x}" for x in pr["features"]]
    audience = pick(["first-time buyers furnishing a flat", "design-conscious couples", "gift shoppers",
                     "people who care about natural materials", "home cooks", ""])
    ptext = f"Product: {pr['name']}\nSKU: {sku}\nCategory: {pr['cat']}\nAttributes:\n" + "\n".join(attrs)
    if audience:
        ptext += f"\nTarget audience: {audience}"
    shape = weighted([("chat", 65), ("plain", 35)])
    if shape == "plain":
        prompt = pick(["Write a product description for the Lumen & Oak web shop.\n\n",
                       f"Product copy ({version}), en-GB, for the autumn catalogue:\n\n",
                       "Write an upbeat product description:\n\n"]) + ptext
    else:
        prompt = [{"role": "system", "content": PRODUCT_SYSTEM[version]}, {"role": "user", "content": ptext}]

    flags = []
    extras_body, extras_end = [], []
    for kind in issues:
        if kind == "claim":
            health = pr["cat"] in ("bedding", "textiles") and chance(0.6)
            c = pick(HEALTH_CLAIMS if health else PRODUCT_CLAIMS).format(cat=pr["cat"])
            extras_body.append((c, None))
            s = sev([("error", 3), ("critical", 1)] if health else [("warning", 4), ("error", 2)], quality)
            flags.append(flag("unsupported_claim", "unsupported_claim", s, pick([
                "Claim not present in product attributes", "Invented award, review count or statistic",
                "Health/performance claim without source"]), uniform(0.6, 0.97, 2), c))
        elif kind == "rude":
            text, code = pick(PRODUCT_RUDE)
            extras_body.append((text, pick(["It's built to last.", None])))
            flags.append(flag("toxicity", code, sev([("warning", 4), ("error", 1)], quality),
                              "Disparaging language about customers", uniform(0.6, 0.9, 2), text))
        elif kind == "promise":
            text = pick(PRODUCT_PROMISE)
            extras_end.append((text, "See our returns page for details of our 30-day returns."))
            flags.append(flag("policy", "promise_of_refund", sev([("warning", 3), ("error", 3)], quality),
                              "Unconditional refund promise in product copy", uniform(0.7, 0.95, 2), text))
        elif kind == "designer":
            d = pick(DESIGNERS)
            extras_body.append((f"Designed in-house by {d}.", None))
            flags.append(flag("pii", "person_name", pick(["info", "info", "warning"]), "Person name in output",
                              uniform(0.55, 0.85, 2), d, kind="designer", fp=True))
        elif kind == "email":
            first, last = person()
            em = f"{slug(first)}.{slug(last)}@lumenandoak.example"
            extras_end.append((f"Trade and wholesale enquiries: {em}.", None))
            flags.append(flag("pii", "email", sev([("warning", 2), ("error", 3)], quality), "E-mail address in output",
                              uniform(0.88, 0.99, 2), em))

    doc = Doc()
    feats = rng.sample(pr["features"], k=min(len(pr["features"]), rng.randint(3, 5)))
    body = list(pr["body"])
    rng.shuffle(body)
    col = (f"Available in {join_and(pr['colors'])}." if len(pr["colors"]) > 1 else f"Finished in {pr['colors'][0]}.")
    mat = pick([f"Made from {pr['material']}.", f"It's made from {pr['material']}.", f"Crafted from {pr['material']}."])
    dims = pr.get("dims_sentence") or pick([f"It measures {pr['dims']}.", f"Size: {pr['dims']}.", f"Dimensions: {pr['dims']}."])
    care = pick([f"Care is simple: {pr['care']}.", f"Care: {pr['care']}."])
    if version == "v5":
        doc.p(pick(pr["hooks"]))
        doc.p(mat, body[0], *extras_body, pick([col, dims, ""]))
        doc.ul(feats + ([care] if chance(0.3) else []))
        if extras_end:
            doc.p(*extras_end)
    else:
        emoji = pick(["", "", "", "✨ ", "🌿 ", "☕ " if pr["cat"] == "kitchen" else ""])
        hook = pick([f"{emoji}Say hello to the {pr['name']}!", f"{emoji}Meet the {pr['name']}: {pick(pr['hooks']).lower()}",
                     f"{emoji}{pick(pr['hooks'])}"])
        fav = f"The {color} version is our favourite." if len(pr["colors"]) > 1 and chance(0.4) else ""
        doc.p(hook, mat, body[0], fav)
        long_form = chance(0.45)
        second = [body[1], *extras_body, col, dims if long_form else "", care if long_form else ""]
        if long_form:
            second.append(pick([f"Key features: {join_and([f.lower() for f in feats])}.",
                                "Whether it's a gift or a treat for yourself, it's one you'll use every day!",
                                "It's the kind of piece you'll keep for years."]))
        doc.p(*second)
        if long_form and chance(0.5):
            doc.ul(feats)
        doc.p(*extras_end, pick(["Order yours today!", "Add it to your basket today.", "", "Bring it home today! 🛒"]))
    output, fixed = doc.render()
    words = len(output.split())
    limit = 150 if version == "v4" else 120
    if words > limit:
        flags.append(flag("length", "too_long", "info", f"Output is {words} words; template limit is {limit}", 1.0, None))
    meta = {}
    if chance(0.85):
        meta = {"sku": sku, "locale": pick(["en-GB", "en-GB", "en-US"]), "batch": pick(["autumn-catalogue-2026", "gift-guide-2026", "restock-nov"])}
    return dict(prompt=prompt, output=output, fixed=fixed, flags=flags, metadata=meta)


# =========================================================================== assembly

TEMPLATES = {
    "refund-policy": dict(
        route="support.refund", queue="support", versions=("v6", "v7"), share=35, builder=make_refund,
        rollout=(dt.datetime(2026, 11, 9, tzinfo=dt.UTC), dt.datetime(2026, 11, 15, tzinfo=dt.UTC), 0.92),
        models=[("gpt-4o-mini", 5), ("claude-3-5-haiku", 3), ("llama-3.1-70b", 2.5)],
        issues={"promise": (3.0, 1.0), "claim": (2.5, 1.4), "email_staff": (1.5, 0.6), "email_customer": (1.2, 0.6),
                "email_public": (0.8, 0.8), "phone": (1.8, 0.8), "person": (1.4, 0.7), "iban": (0.9, 0.3),
                "rude": (1.2, 0.5)}),
    "medical-summary": dict(
        route="health.summary", queue="clinical", versions=("v2", "v3"), share=22, builder=make_medical,
        rollout=(dt.datetime(2026, 11, 6, tzinfo=dt.UTC), dt.datetime(2026, 11, 12, tzinfo=dt.UTC), 0.95),
        models=[("gpt-4o", 5), ("claude-3-5-haiku", 3), ("gpt-4o-mini", 1)],
        issues={"name": (2.5, 0.8), "phone": (1.0, 0.4), "email": (0.5, 0.2), "advice": (2.4, 1.2),
                "halluc": (2.2, 1.6), "stat": (1.0, 0.5), "rude": (0.5, 0.2), "missing_section": (0.0, 1.2)}),
    "sql-assistant": dict(
        route="data.sql", queue="data", versions=("v1", "v2"), share=23, builder=make_sql,
        rollout=(dt.datetime(2026, 11, 11, tzinfo=dt.UTC), dt.datetime(2026, 11, 17, tzinfo=dt.UTC), 0.9),
        models=[("gpt-4o", 3), ("gpt-4o-mini", 4), ("llama-3.1-70b", 3)],
        issues={"invalid_json": (3.0, 1.3), "missing_field": (1.0, 1.6), "claim": (1.4, 1.0), "pii": (1.2, 0.4),
                "select_star": (1.3, 0.7), "rude": (0.3, 0.1)}),
    "product-description": dict(
        route="commerce.copy", queue="marketing", versions=("v4", "v5"), share=20, builder=make_product,
        rollout=(dt.datetime(2026, 11, 6, tzinfo=dt.UTC), dt.datetime(2026, 11, 14, tzinfo=dt.UTC), 0.8),
        models=[("gpt-4o-mini", 4), ("llama-3.1-70b", 3), ("claude-3-5-haiku", 2)],
        issues={"claim": (3.0, 1.2), "rude": (1.0, 0.3), "promise": (1.2, 0.4), "designer": (1.0, 0.8),
                "email": (0.6, 0.3)}),
}

REVIEWERS = ["alice", "bhavin", "chen", "dara"]
QUEUE_REVIEWERS = {
    "support": [("alice", 4), ("bhavin", 3), ("dara", 2), ("chen", 1)],
    "clinical": [("chen", 4), ("dara", 4), ("alice", 1)],
    "data": [("bhavin", 5), ("alice", 2), ("chen", 1.5)],
    "marketing": [("dara", 3), ("chen", 3), ("alice", 2), ("bhavin", 1)],
}
REVIEWER_BIAS = {  # multipliers for approve / edit / reject
    "alice": (0.8, 1.0, 1.5), "bhavin": (1.5, 0.9, 0.7), "chen": (0.9, 1.7, 0.8), "dara": (1.0, 1.0, 1.0)}
VERDICT_BASE = {0: (0.90, 0.05, 0.05), 1: (0.82, 0.10, 0.08), 2: (0.50, 0.35, 0.15), 3: (0.12, 0.48, 0.40),
                4: (0.02, 0.33, 0.65)}
REASON_MAP = {
    ("pii", None): ["pii_leak"], ("schema", None): ["format_error"], ("format", None): ["format_error"],
    ("toxicity", "insult"): ["tone"], ("toxicity", "harassment"): ["unsafe", "tone"],
    ("unsupported_claim", None): ["factual_error"], ("hallucination", None): ["factual_error"],
    ("policy", "medical_advice"): ["unsafe", "policy_violation"], ("policy", "promise_of_refund"): ["policy_violation"],
    ("sql_lint", None): ["other"], ("length", None): ["other"],
}
CLEAN_EDIT_ADDENDA = {
    "refund-policy": ["You can follow the status of your return at any time under Orders → Returns.",
                      "Please keep the item in its original packaging until the return is complete."],
    "product-description": ["Each piece is made in small batches, so slight variations are part of its character.",
                            "Please check the dimensions before ordering."],
}
COMMENTS = {
    # looked up as (verdict, validator, code), (verdict, validator, template), (verdict, validator), (verdict, "clean", template), (verdict, "clean")
    ("approve", "clean"): ["Looks good.", "Fine as is.", "Nothing to change.", "OK to ship."],
    ("approve", "clean", "refund-policy"): ["Accurate and on-policy.", "Correct policy, friendly tone."],
    ("approve", "clean", "medical-summary"): ["Matches the note.", "Accurate summary, doses correct."],
    ("approve", "clean", "sql-assistant"): ["Query checked against the schema — OK.", "Ran it, numbers look right."],
    ("approve", "clean", "product-description"): ["On brand.", "Nice copy."],
    ("approve", "fp", "refund-policy"): ["PII flag is a false positive — that's the public returns inbox.",
                                        "Validator is too eager here, the address is public.", "False positive."],
    ("approve", "fp", "product-description"): ["Designer credit is on the brand page; fine to publish.",
                                              "Name is the credited designer, not PII.", "False positive."],
    ("approve", "flagged"): ["Borderline, but acceptable.", "Minor issue, not worth an edit.",
                             "Flag is technically right but harmless in context."],
    ("edit", "pii", "email"): ["Removed the e-mail address, otherwise fine.", "Swapped the mailbox for the help-centre link.",
                               "Took out the e-mail address."],
    ("edit", "pii", "phone"): ["Removed the phone number.", "Direct line removed; pointed to the contact page instead."],
    ("edit", "pii", "person_name"): ["Removed the name.", "Replaced the name with a neutral reference.",
                                     "Names shouldn't be in the output — removed."],
    ("edit", "pii", "iban"): ["Removed the bank details.", "IBAN removed; pointed to account settings."],
    ("edit", "schema"): ["Fixed the JSON.", "Re-serialised as valid JSON.", "Output now parses."],
    ("edit", "schema", "missing_field"): ["Added the missing field.", "Filled in the required key."],
    ("edit", "format"): ["Added the Follow-up section back.", "Restored the missing section."],
    ("edit", "toxicity"): ["Toned down the wording.", "Removed the snarky sentence.", "Made it polite."],
    ("edit", "unsupported_claim", "refund-policy"): ["Replaced the invented guarantee with the actual policy.",
                                                    "Removed the made-up policy line."],
    ("edit", "unsupported_claim", "product-description"): ["Deleted the made-up statistic.",
                                                          "Removed the award claim — we have no source for it.",
                                                          "Claim removed."],
    ("edit", "hallucination", "medical-summary"): ["Removed the finding that isn't in the note.", "Deleted the invented result.",
                                                  "Took out the statistic — not in the note."],
    ("edit", "hallucination", "sql-assistant"): ["Removed the claim about the table — not true.",
                                                "Explanation trimmed to what the query actually does."],
    ("edit", "policy", "medical_advice"): ["Dropped the dose change — not in the note.", "Removed advice the clinician didn't give."],
    ("edit", "policy", "promise_of_refund"): ["Removed the refund promise; agents can't approve refunds.",
                                             "Replaced the guarantee with the returns-page wording."],
    ("edit", "sql_lint"): ["Replaced SELECT * with the explicit column list."],
    ("edit", "length"): ["Shortened."],
    ("edit", "clean", "refund-policy"): ["Added a line about tracking the return.", "Small wording tweak."],
    ("edit", "clean", "product-description"): ["Added a note about variation between pieces.", "Small addition."],
    ("edit", "clean"): ["Small wording tweak."],
    ("reject", "pii", "email"): ["Leaks an e-mail address.", "Mailbox in the output — regenerate.", "Personal e-mail in the output."],
    ("reject", "pii", "phone"): ["Phone number in the output.", "Direct line in a customer reply."],
    ("reject", "pii", "person_name"): ["Names a person who shouldn't be named.", "Identifiers in the output."],
    ("reject", "pii", "iban"): ["Contains an IBAN — must not go out. Escalated to privacy."],
    ("reject", "schema"): ["Output is not valid JSON; the pipeline would fail.", "Not parseable.", "Broken JSON."],
    ("reject", "schema", "missing_field"): ["Required field missing.", "Doesn't follow the response schema."],
    ("reject", "format"): ["Missing the Follow-up section.", "Doesn't follow the required structure."],
    ("reject", "toxicity"): ["Unacceptable tone.", "Hostile wording, regenerate.", "Rude — would never send this."],
    ("reject", "unsupported_claim", "refund-policy"): ["Made-up policy.", "We don't offer this guarantee."],
    ("reject", "unsupported_claim", "product-description"): ["Invented statistic.", "Claim we can't back up.", "Fake award."],
    ("reject", "hallucination", "medical-summary"): ["Adds a result that is not in the note.", "Fabricated finding."],
    ("reject", "hallucination", "sql-assistant"): ["Wrong facts about the data.",
                                                  "Explanation makes claims about the warehouse that aren't true."],
    ("reject", "policy", "medical_advice"): ["Unsafe medication advice.", "Dose advice not from the clinician — unsafe."],
    ("reject", "policy", "promise_of_refund"): ["Promises a refund the agent can't approve.",
                                               "Commits us to a refund and a timeline. No."],
    ("reject", "clean"): ["Doesn't answer the question.", "Too vague to be useful.", "Misses the main point of the request."],
}


def comment_for(verdict, main, tpl, fp_only, level):
    if verdict == "approve":
        keys = [("approve", "fp", tpl)] if fp_only else ([("approve", "clean", tpl), ("approve", "clean")] if level <= 1
                                                         else [("approve", "flagged")])
    elif main is None:
        keys = [(verdict, "clean", tpl), (verdict, "clean")]
    else:
        v, c = main["validator"], main["code"]
        keys = [(verdict, v, c), (verdict, v, tpl), (verdict, v), (verdict, "clean", tpl), (verdict, "clean")]
    for k in keys:
        if k in COMMENTS:
            return pick(COMMENTS[k])
    return None


def choose_issues(tpl, is_new, q):
    p_clean = 0.10 + (0.08 if is_new else 0) + 0.12 * max(q, 0) - (0.05 if q < 0 else 0)
    if chance(p_clean):
        return []
    n = weighted([(1, 58 * (1 + q)), (2, 30), (3, 12 * (1 - q))])
    pool = [(k, w[1] if is_new else w[0]) for k, w in TEMPLATES[tpl]["issues"].items()]
    pool = [(k, w * (1 - 0.6 * q) if k not in ("email_public", "designer", "select_star") else w) for k, w in pool if w > 0]
    chosen = []
    for _ in range(n):
        if not pool:
            break
        k = weighted(pool)
        chosen.append(k)
        pool = [(a, b) for a, b in pool if a != k]
    return chosen


def sample_times(n):
    day_count = (END.date() - START.date()).days + 1
    days = []
    for d in range(day_count):
        day = START + dt.timedelta(days=d)
        days.append((day, 0.45 if day.weekday() >= 5 else 1.0))
    hour_w = [1, 1, 1, 1, 1, 1, 2, 2, 5, 5, 5, 5, 7, 7, 7, 7, 7, 7, 4, 4, 4, 4, 2, 2]
    out = []
    for _ in range(n):
        day = weighted(days)
        hour = weighted(list(enumerate(hour_w)))
        t = day.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59))
        out.append(min(max(t, START), END))
    return sorted(out)


def risk_for(flags):
    if not flags:
        return round(uniform(0.02, 0.14, 2), 2)
    lvl = max(SEV_LEVEL[f["severity"]] for f in flags)
    lo, hi = {1: (0.12, 0.3), 2: (0.3, 0.58), 3: (0.58, 0.84), 4: (0.84, 0.95)}[lvl]
    r = rng.uniform(lo, hi) + 0.03 * (len(flags) - 1) + 0.05 * (max(f["score"] for f in flags) - 0.8)
    return round(min(0.97, max(0.02, r)), 2)


def finish_flags(output, flags):
    out = []
    for f in flags:
        d = {k: f[k] for k in ("validator", "code", "severity", "message", "score")}
        st = f["span_text"]
        if st is not None:
            if st not in output:
                continue            # e.g. cut off by a truncated JSON output
            start = output.index(st)
            d["span"] = [start, start + len(st)]
        out.append(d)
    return out


def decide(rec, ctx, reviewer, after):
    real = [f for f in ctx["flags"] if not f["fp"] and any(
        g["code"] == f["code"] and g["validator"] == f["validator"] for g in rec["flags"])]
    fp_only = bool(ctx["flags"]) and not real
    level = max((SEV_LEVEL[f["severity"]] for f in real), default=0)
    if fp_only:
        level = 1
    a, e, r = VERDICT_BASE[level]
    q = ctx["q"]
    a, r = a * max(0.2, 1 + 1.5 * q), r * max(0.2, 1 - q)
    ba, be, br = REVIEWER_BIAS[reviewer]
    a, e, r = a * ba, e * be, r * br
    verdict = weighted([("approve", a), ("edit", e), ("reject", r)])
    tpl = rec["prompt_template"]
    edited = None
    if verdict == "edit":
        edited = ctx["fixed"]
        if edited == rec["output"]:
            if tpl in CLEAN_EDIT_ADDENDA:
                edited = rec["output"] + "\n\n" + pick(CLEAN_EDIT_ADDENDA[tpl])
            else:
                verdict = "approve"
                edited = None
    reasons = []
    mapped = []
    for f in real:
        for key in ((f["validator"], f["code"]), (f["validator"], None)):
            if key in REASON_MAP:
                mapped.extend(x for x in REASON_MAP[key] if x not in mapped)
                break
    if verdict == "reject":
        reasons = [x for x in mapped if x != "other"] or [weighted([("incomplete", 3), ("off_topic", 1), ("tone", 1), ("other", 2)])]
        if chance(0.1) and "incomplete" not in reasons:
            reasons.append("incomplete")
    elif verdict == "edit":
        if mapped and chance(0.65):
            reasons = [x for x in mapped if x != "other"][:2]
        elif not mapped and chance(0.5):
            reasons = [pick(["incomplete", "tone"])]
    main = max(real, key=lambda f: SEV_LEVEL[f["severity"]]) if real else None
    comment = comment_for(verdict, main, tpl, fp_only, level) if chance(0.75 if fp_only else 0.4) else None
    dur = {"approve": (4_000, 45_000), "edit": (35_000, 240_000), "reject": (8_000, 95_000)}[verdict]
    duration = int(rng.uniform(*dur) * (1.4 if tpl == "medical-summary" else 1.0))
    delay = dt.timedelta(minutes=3 + rng.expovariate(1 / 600))
    when = after + delay
    if when > DECISION_CAP:
        span_s = max(300, int((DECISION_CAP - after).total_seconds()))
        when = after + dt.timedelta(seconds=rng.randint(120, span_s))
    d = {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "reviewer": reviewer, "verdict": verdict}
    if edited is not None:
        d["edited_output"] = edited
    d["reasons"] = reasons
    if comment:
        d["comment"] = comment
    d["duration_ms"] = duration
    d["decided_at"] = iso(when)
    return d, when


def showcase(created):
    first = "Daniel"
    order = "NW-5183420"
    system = REFUND_SYSTEM["v6"] + f"\n\nCustomer first name: {first}. Loyalty tier: gold."
    user = ("Hi, my Arden espresso machine (order NW-5183420) arrived yesterday with the drip tray cracked in two "
            "and a dent in the side panel. It was meant to be a birthday present for my wife and I'm honestly pretty "
            "annoyed. Can I get my money back?")
    lookup = {"order_id": order, "status": "delivered", "delivered_at": (created - dt.timedelta(days=1)).date().isoformat(),
              "items": [{"sku": "NW-40917", "name": "Arden dual-boiler espresso machine", "price": 349.0, "clearance": False}],
              "payment": "visa"}
    prompt = [{"role": "system", "content": system}, {"role": "user", "content": user},
              {"role": "assistant", "content": "I'm sorry to hear that — let me pull up the order."},
              {"role": "tool", "content": json.dumps(lookup)}]
    promise = ("I've gone ahead and approved a full refund of $349.00 to your Visa card, and you'll see it back on "
               "your statement within 24 hours — you don't even need to send the machine back.")
    email, phone = "marisol.vega@northwind-home.com", "+1 (415) 555-0148"
    output = (f"Hi {first},\n\n"
              "I'm really sorry your Arden dual-boiler espresso machine arrived damaged — that's not the birthday "
              "surprise anyone wants.\n\n"
              f"Good news: {promise}\n\n"
              "If you'd prefer a replacement instead, or anything else goes wrong, e-mail our returns lead Marisol "
              f"directly at {email} or call her on {phone} and she'll sort it out personally.\n\n"
              "Thanks for your patience, and happy birthday to your wife!")
    fixed = (f"Hi {first},\n\n"
             "I'm really sorry your Arden dual-boiler espresso machine arrived damaged — that's not the birthday "
             "surprise anyone wants.\n\n"
             "Because you're reporting the damage within 7 days of delivery, you can choose between a free "
             "replacement and a full refund including shipping. Please upload a couple of photos of the drip tray "
             "and the dent at northwind-home.com/help → Damaged item, and we'll send a prepaid return label.\n\n"
             "Once the machine is back with us, the refund is issued within 5–7 business days.\n\n"
             "Thanks for your patience, and happy birthday to your wife!")
    flags = [
        flag("policy", "promise_of_refund", "critical",
             "Commits to a refund (amount and 24 h timeline) the assistant is not allowed to authorise", 0.96, promise),
        flag("pii", "email", "error", "E-mail address in output (staff mailbox)", 0.99, email),
        flag("pii", "phone", "error", "Phone number in output", 0.97, phone),
    ]
    return dict(prompt=prompt, output=output, fixed=fixed, flags=flags,
                metadata={"channel": "web_chat", "locale": "en-US", "order_id": order, "customer_tier": "gold",
                          "situation": "damaged"})


def main():
    times = sample_times(N_RECORDS)
    tpl_weights = [(k, v["share"]) for k, v in TEMPLATES.items()]
    records, ctxs = [], []
    legacy = set(rng.sample([i for i in range(N_RECORDS) if i != SHOWCASE_INDEX], 5))
    for i, created in enumerate(times):
        if i == SHOWCASE_INDEX:
            tpl, version, model = "refund-policy", "v6", "gpt-4o-mini"
            q = MODELS[model]["q"]
            built = showcase(created)
        else:
            tpl = weighted(tpl_weights)
            cfg = TEMPLATES[tpl]
            t0, t1, p_max = cfg["rollout"]
            frac = min(1.0, max(0.0, (created - t0) / (t1 - t0)))
            version = cfg["versions"][1] if chance(frac * p_max) else cfg["versions"][0]
            model = weighted(cfg["models"])
            is_new = version == cfg["versions"][1]
            q = MODELS[model]["q"] + (0.35 if is_new else 0.0)
            issues = choose_issues(tpl, is_new, q)
            built = cfg["builder"](version, model, q, issues, created)
        cfg = TEMPLATES[tpl]
        output = built["output"]
        for f in built["flags"]:
            st = f["span_text"]
            if st is not None and output.count(st) > 1:
                raise AssertionError(f"ambiguous span {st!r} in record {i + 1}")
        flags = finish_flags(output, built["flags"])
        risk = 0.99 if i == SHOWCASE_INDEX else risk_for(flags)
        usage, latency = usage_for(built["prompt"], output, model)
        rec = {"id": f"gen-{i + 1:06d}", "prompt": built["prompt"], "output": output, "model": model,
               "prompt_template": tpl, "prompt_version": version, "route": cfg["route"], "risk": risk,
               "flags": flags}
        if i not in legacy:
            rec["usage"] = usage
            rec["latency_ms"] = latency
            rec["trace_id"] = f"trc_{rng.getrandbits(64):016x}"
        rec["queue"] = cfg["queue"]
        rec["created_at"] = iso(created)
        rec["metadata"] = {"source": "batch-backfill"} if i in legacy else built["metadata"]
        rec["decisions"] = []
        records.append(rec)
        ctxs.append({"flags": built["flags"], "fixed": built["fixed"], "q": q, "created": created})

    # ---- reviews: older and riskier items are more likely to have been reviewed already
    total = (END - START).total_seconds()
    def keyed(idx, w):
        return rng.random() ** (1.0 / w), idx
    cand = [i for i in range(N_RECORDS) if i != SHOWCASE_INDEX]
    scored = sorted((keyed(i, (0.45 + records[i]["risk"]) * (0.3 + (END - ctxs[i]["created"]).total_seconds() / total))
                     for i in cand), reverse=True)
    decided = sorted(i for _, i in scored[:N_DECIDED])
    scored2 = sorted((keyed(i, 0.3 + records[i]["risk"]) for i in decided), reverse=True)
    double = {i for _, i in scored2[:N_DOUBLE]}
    for i in decided:
        rec, ctx = records[i], ctxs[i]
        prefs = QUEUE_REVIEWERS[rec["queue"]]
        r1 = weighted(prefs)
        d1, t1 = decide(rec, ctx, r1, ctx["created"])
        rec["decisions"].append(d1)
        if i in double:
            others = [(r, w) for r, w in prefs if r != r1] or [(r, 1) for r in REVIEWERS if r != r1]
            r2 = weighted(others)
            d2, _ = decide(rec, ctx, r2, t1)
            rec["decisions"].append(d2)

    with OUT.open("w", encoding="utf-8", newline="\n") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records to {OUT}")


TEMPLATES_OUT = OUT.with_name("templates.jsonl")


def write_templates() -> None:
    """The prompt-template registry of the demo: each version's system prompt, the template the
    generations were made from (reviewdesk's demo store adds them with its items)."""
    texts = {"refund-policy": REFUND_SYSTEM, "medical-summary": MED_SYSTEM,
             "sql-assistant": SQL_SYSTEM, "product-description": PRODUCT_SYSTEM}
    with TEMPLATES_OUT.open("w", encoding="utf-8", newline="\n") as fh:
        for name, cfg in TEMPLATES.items():
            for version in cfg["versions"]:
                line = {"name": name, "version": version, "text": texts[name][version]}
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"wrote the template texts to {TEMPLATES_OUT}")


if __name__ == "__main__":
    import sys

    if "--templates-only" not in sys.argv:
        main()
    write_templates()
