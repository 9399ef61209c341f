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


FIRST_NAMES = [
    "Daniel", "Priya", "Marcus", "Aisha", "Tomás", "Yuki", "Grace", "Olumide", "Sofia", "Liam",
    "Mei", "Rahul", "Hannah", "Kwame", "Elena", "Jonas", "Fatima", "Noah", "Ingrid", "Diego",
    "Chloe", "Arjun", "Zanele", "Mateo", "Leila", "Owen", "Nadia", "Samuel", "Freya", "Hiroshi",
    "Amara", "Ben", "Camila", "Dmitri", "Esther", "Felix", "Gabriela", "Hugo", "Isla", "Jamal",
    "Keiko", "Lucía", "Malik", "Niamh", "Oscar", "Paulina", "Rosa", "Stefan", "Thandiwe", "Valentina",
]
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


def person():
    return pick(FIRST_NAMES), pick(LAST_NAMES)


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
    "gpt-4o": dict(pin=2.50, pout=10.00, mspt=15.0, base=520, q=0.35),
    "claude-3-5-haiku": dict(pin=0.80, pout=4.00, mspt=11.0, base=430, q=0.2),
    "llama-3.1-70b": dict(pin=0.88, pout=0.88, mspt=21.0, base=650, q=-0.25),
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
    length = weighted([("short", 2), ("medium", 5), ("long", 3)])
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
    if length == "short":
        doc.p(*placed["front"], empathy if chance(0.5) else "", policy, *placed["policy"],
              money if chance(0.4) else "", *placed["contact"])
    else:
        if chance(0.8):
            if length == "long" or chance(0.4):
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
