"""The demo shop's vocabulary: categories, what they sell, at what prices, and what goes with what.

A category has *styles*: tags that cut across its products and that a shopper tends to stick to
(an ultralight camper buys the ultralight tent, stove and mug; a cat owner buys cat things). Each
product kind has its own tags and a price range; an item's place in that range is its *price band*
(the cheapest third ``budget``, then ``mid``, then ``premium``). *Complements* are categories
bought together (a camping stove with hiking boots, a phone with a case), in both directions.
"""
from __future__ import annotations

from dataclasses import dataclass

Kind = tuple[tuple[str, ...], float, float]  # (kind tags, lowest price, highest price)


@dataclass(frozen=True)
class Category:
    weight: float  # relative share of the catalog and of shoppers' first interests
    styles: tuple[str, ...]
    brands: tuple[str, ...]
    kinds: dict[str, Kind]


CATEGORIES: dict[str, Category] = {
    "camping": Category(1.2, ("ultralight", "family", "winter"), ("Ridgeline", "Basecamp", "Nordkap", "Trailhead"), {
        "Tent": (("2-person", "4-person", "freestanding"), 60, 450),
        "Sleeping Bag": (("down", "synthetic", "3-season"), 40, 320),
        "Sleeping Mat": (("inflatable", "foam", "self-inflating"), 20, 150),
        "Camping Stove": (("gas", "compact", "windproof"), 25, 140),
        "Gas Canister": (("butane-mix", "230g", "450g"), 5, 14),
        "Camping Mug": (("titanium", "enamel", "insulated"), 8, 35),
        "Headlamp": (("rechargeable", "usb-c", "red-light"), 15, 70),
        "Water Filter": (("ceramic", "squeeze", "travel"), 20, 90),
    }),
    "hiking": Category(1.0, ("merino", "waterproof", "lightweight"),
                       ("Fjellpeak", "Trailhead", "Alpstep", "Moorland"), {
        "Rain Jacket": (("hooded", "packable", "breathable"), 60, 320),
        "Fleece": (("half-zip", "recycled"), 30, 120),
        "Hiking Boots": (("gore-tex", "leather", "mid-cut"), 70, 260),
        "Hiking Socks": (("cushioned", "2-pack"), 9, 28),
        "Base Layer": (("long-sleeve", "odour-resistant"), 25, 95),
        "Trekking Poles": (("carbon", "foldable"), 30, 160),
        "Daypack": (("20l", "30l", "rain-cover"), 35, 160),
    }),
    "phones": Category(0.7, ("flagship", "compact", "rugged"), ("Pixelon", "Novaphone", "Lumia", "Orbit"), {
        "Smartphone": (("5g", "dual-sim", "128gb", "256gb"), 150, 1300),
        "Foldable Phone": (("5g", "256gb", "512gb"), 900, 1900),
        "Phone": (("4g", "dual-sim", "long-battery"), 60, 300),
    }),
    "phone accessories": Category(1.0, ("magsafe", "slim", "rugged"),
                       ("Voltix", "Shellguard", "Amperly", "Novaphone"), {
        "Phone Case": (("clear", "leather", "silicone"), 8, 55),
        "Screen Protector": (("tempered-glass", "2-pack", "privacy"), 6, 30),
        "Charger": (("usb-c", "fast-charge", "65w"), 12, 60),
        "Charging Cable": (("usb-c", "braided", "2m"), 6, 25),
        "Power Bank": (("10000mah", "20000mah", "usb-c"), 20, 90),
        "Car Mount": (("vent", "dashboard"), 12, 50),
        "Wireless Charger": (("qi", "stand", "3-in-1"), 18, 90),
    }),
    "audio": Category(0.9, ("noise-cancelling", "hi-fi", "sport"), ("Sonora", "Bassline", "Auralis", "Tempo"), {
        "Headphones": (("over-ear", "bluetooth", "foldable"), 40, 450),
        "Earbuds": (("wireless", "water-resistant", "bluetooth"), 25, 280),
        "Bluetooth Speaker": (("portable", "waterproof"), 30, 300),
        "Soundbar": (("dolby-atmos", "subwoofer"), 120, 900),
        "Turntable": (("belt-drive", "usb"), 120, 700),
    }),
    "computers": Category(0.9, ("gaming", "office", "creator"), ("Keystone", "Quanta", "Pixelon", "Arcway"), {
        "Laptop": (("14-inch", "16gb-ram", "ssd"), 450, 2400),
        "Monitor": (("27-inch", "4k", "ips"), 140, 900),
        "Keyboard": (("mechanical", "wireless", "backlit"), 25, 220),
        "Mouse": (("wireless", "ergonomic", "rechargeable"), 15, 130),
        "Webcam": (("1080p", "4k", "autofocus"), 35, 220),
        "USB-C Hub": (("hdmi", "7-in-1"), 20, 90),
        "Laptop Sleeve": (("14-inch", "padded", "water-resistant"), 15, 60),
    }),
    "office": Category(0.8, ("minimalist", "ergonomic", "colourful"), ("Paperleaf", "Deskwell", "Inkhouse", "Arcway"), {
        "Notebook": (("dotted", "a5", "hardcover"), 6, 30),
        "Pen Set": (("gel", "fineliner", "refillable"), 6, 45),
        "Planner": (("weekly", "undated"), 10, 35),
        "Desk Organizer": (("bamboo", "metal"), 12, 60),
        "Desk Lamp": (("led", "dimmable", "usb-c"), 20, 140),
        "Desk Chair": (("mesh", "lumbar-support"), 90, 650),
        "Monitor Arm": (("single", "gas-spring"), 30, 160),
    }),
    "books": Category(2.0, ("mystery", "sci-fi", "fantasy", "romance"), (), {
        "Novel": (("paperback", "bestseller"), 8, 25),
        "Hardcover Novel": (("hardcover", "first-edition"), 18, 40),
        "Box Set": (("paperback", "trilogy"), 25, 75),
        "Audiobook": (("unabridged", "download"), 10, 35),
        "Short Stories": (("paperback", "anthology"), 8, 22),
        "Graphic Novel": (("illustrated", "hardcover"), 14, 45),
    }),
    "kitchen": Category(1.3, ("professional", "everyday", "scandinavian"), ("Ferrum", "Holmgard", "Casa", "Oakfield"), {
        "Skillet": (("cast-iron", "non-stick", "28cm"), 20, 140),
        "Chef's Knife": (("carbon-steel", "stainless", "8-inch"), 25, 220),
        "Knife Set": (("stainless", "with-block"), 45, 320),
        "Cutting Board": (("oak", "bamboo", "end-grain"), 12, 90),
        "Saucepan": (("stainless", "induction", "lid"), 20, 130),
        "Kettle": (("electric", "stovetop", "gooseneck"), 20, 140),
        "Mixing Bowls": (("set-of-3", "ceramic"), 15, 70),
        "Cookbook": (("vegetarian", "hardcover", "baking"), 15, 45),
    }),
    "coffee": Category(0.8, ("espresso", "pour-over", "cold-brew"), ("Crema", "Bergamot", "Roastwell", "Holmgard"), {
        "Coffee Beans": (("single-origin", "blend", "fair-trade"), 8, 30),
        "Coffee Grinder": (("burr", "manual", "electric"), 25, 280),
        "French Press": (("glass", "stainless"), 18, 70),
        "Espresso Machine": (("15-bar", "milk-frother"), 140, 1100),
        "Milk Frother": (("handheld", "electric"), 10, 120),
        "Coffee Mug": (("ceramic", "double-wall"), 8, 30),
        "Coffee Filters": (("paper", "size-02"), 3, 10),
    }),
    "fitness": Category(1.0, ("strength", "yoga", "cardio"), ("Ironwave", "Flexa", "Pulseon", "Corewell"), {
        "Dumbbells": (("adjustable", "pair", "hex"), 25, 320),
        "Kettlebell": (("cast-iron", "vinyl"), 20, 95),
        "Yoga Mat": (("non-slip", "6mm", "cork"), 15, 95),
        "Resistance Bands": (("set-of-5", "fabric"), 10, 40),
        "Foam Roller": (("high-density", "textured"), 12, 55),
        "Massage Gun": (("quiet", "cordless"), 50, 320),
        "Jump Rope": (("speed", "weighted"), 8, 35),
        "Exercise Bike": (("folding", "magnetic"), 200, 950),
    }),
    "sportswear": Category(1.0, ("running", "training", "studio"), ("Stride", "Flexa", "Pacer", "Ironwave"), {
        "Running Shoes": (("cushioned", "trail", "lightweight"), 60, 210),
        "Leggings": (("high-waist", "side-pocket"), 25, 95),
        "Shorts": (("lined", "quick-dry"), 15, 55),
        "T-Shirt": (("breathable", "seamless"), 15, 50),
        "Sports Bra": (("high-support", "racerback"), 20, 70),
        "Running Jacket": (("reflective", "windproof"), 45, 170),
        "Sports Socks": (("cushioned", "3-pack"), 8, 24),
    }),
    "cycling": Category(0.7, ("road", "commuter", "mountain"), ("Veloce", "Spoke & Co", "Gravelo", "Pacer"), {
        "Bike Helmet": (("mips", "vented"), 35, 260),
        "Bike Light Set": (("usb-c", "front-and-rear"), 15, 110),
        "Bike Lock": (("u-lock", "folding", "chain"), 20, 120),
        "Cycling Gloves": (("padded", "full-finger"), 12, 55),
        "Floor Pump": (("gauge", "presta"), 20, 90),
        "Saddle Bag": (("waterproof", "1l"), 12, 50),
    }),
    "skincare": Category(1.0, ("sensitive", "anti-ageing", "natural"),
                       ("Dermalia", "Petalis", "Clearwell", "Nordlys"), {
        "Moisturiser": (("spf", "hydrating", "fragrance-free"), 10, 75),
        "Serum": (("vitamin-c", "hyaluronic", "retinol"), 12, 95),
        "Cleanser": (("gel", "foaming", "cream"), 8, 35),
        "Sunscreen": (("spf50", "mineral"), 9, 38),
        "Face Mask": (("clay", "sheet", "overnight"), 6, 45),
        "Eye Cream": (("caffeine", "peptide"), 14, 80),
    }),
    "haircare": Category(0.8, ("curly", "colour-care", "volume"), ("Lumea", "Petalis", "Salonist", "Nordlys"), {
        "Shampoo": (("sulfate-free", "250ml", "refill"), 6, 35),
        "Conditioner": (("sulfate-free", "leave-in"), 6, 35),
        "Hair Mask": (("repair", "keratin"), 9, 45),
        "Hair Oil": (("argan", "lightweight"), 10, 50),
        "Hair Dryer": (("ionic", "diffuser"), 30, 420),
        "Hairbrush": (("detangling", "boar-bristle"), 8, 40),
    }),
    "toys": Category(0.9, ("preschool", "stem", "creative"), ("Tinker", "Bramble", "Pipsqueak", "Kitebox"), {
        "Building Set": (("500-pieces", "ages-6+"), 15, 150),
        "Jigsaw Puzzle": (("1000-pieces", "ages-8+"), 10, 35),
        "Plush Toy": (("washable", "ages-0+"), 10, 40),
        "Wooden Train Set": (("ages-3+", "expandable"), 25, 120),
        "Craft Kit": (("ages-5+", "non-toxic"), 12, 45),
        "Science Kit": (("ages-8+", "experiments"), 18, 70),
    }),
    "games": Category(0.8, ("strategy", "party", "family"), ("Meeple Hall", "Dicewright", "Tabletop Co", "Kitebox"), {
        "Board Game": (("2-4-players", "60-minutes"), 20, 90),
        "Card Game": (("2-6-players", "quick"), 8, 30),
        "Expansion": (("requires-base-game",), 15, 50),
        "Dice Set": (("polyhedral", "metal"), 8, 45),
        "Card Sleeves": (("100-pack", "matte"), 5, 15),
        "Game Mat": (("neoprene", "large"), 15, 60),
    }),
    "pets": Category(1.0, ("dog", "cat"), ("Pawly", "Whisker & Wag", "Furlough", "Barkside"), {
        "Bed": (("washable", "orthopedic"), 20, 140),
        "Treats": (("grain-free", "dental"), 4, 18),
        "Bowl": (("stainless", "non-slip"), 7, 35),
        "Toy": (("chew", "interactive"), 5, 30),
        "Collar": (("reflective", "leather"), 8, 40),
        "Grooming Brush": (("deshedding", "slicker"), 8, 35),
        "Carrier": (("airline-approved", "soft-sided"), 25, 120),
    }),
    "garden": Category(0.9, ("vegetable", "flowers", "balcony"), ("Greenthumb", "Bloomfield", "Sowright", "Oakfield"), {
        "Seed Kit": (("organic", "heirloom"), 5, 30),
        "Planter": (("self-watering", "terracotta"), 12, 90),
        "Trowel": (("stainless", "ash-handle"), 8, 30),
        "Pruning Shears": (("bypass", "ratchet"), 15, 70),
        "Watering Can": (("5l", "galvanised"), 12, 55),
        "Gardening Gloves": (("thorn-proof", "breathable"), 8, 30),
        "Raised Bed": (("cedar", "galvanised"), 45, 260),
    }),
    "home": Category(1.1, ("scandinavian", "boho", "industrial"), ("Nordhem", "Casa", "Loftwork", "Linnea"), {
        "Table Lamp": (("dimmable", "linen-shade"), 25, 180),
        "Rug": (("wool", "washable", "160x230"), 40, 450),
        "Cushion": (("linen", "velvet"), 12, 50),
        "Throw Blanket": (("wool", "knitted"), 25, 140),
        "Vase": (("ceramic", "glass"), 12, 90),
        "Scented Candle": (("soy-wax", "40-hours"), 8, 40),
        "Wall Shelf": (("oak", "metal"), 20, 130),
    }),
    "music": Category(0.7, ("acoustic", "electric", "beginner"), ("Harmonix", "Fretwell", "Tonewood", "Tempo"), {
        "Guitar": (("solid-top", "6-string"), 120, 1400),
        "Guitar Strings": (("light-gauge", "coated"), 6, 25),
        "Capo": (("quick-release", "aluminium"), 8, 30),
        "Clip-on Tuner": (("chromatic", "rechargeable"), 8, 30),
        "Guitar Strap": (("leather", "padded"), 10, 60),
        "Amplifier": (("20w", "headphone-out"), 70, 600),
        "Songbook": (("chords", "beginner-friendly"), 10, 30),
    }),
}

# Categories bought together; the relation is used both ways (see ``complements``).
COMPLEMENT_PAIRS: tuple[tuple[str, str], ...] = (
    ("camping", "hiking"), ("phones", "phone accessories"), ("phones", "audio"),
    ("phone accessories", "audio"), ("computers", "office"), ("computers", "audio"), ("audio", "music"),
    ("books", "office"), ("books", "coffee"), ("kitchen", "coffee"), ("kitchen", "home"), ("fitness", "sportswear"),
    ("cycling", "sportswear"), ("hiking", "sportswear"), ("skincare", "haircare"), ("toys", "games"),
    ("garden", "home"), ("pets", "home"), ("pets", "garden"),
)
SHARED_TAGS = ("gift", "eco", "new")  # tags of any category, on some items
PRICE_BANDS = ("budget", "mid", "premium")  # thirds of a kind's price range (log scale)
# Book titles: "The <adjective> <noun>" (books have no brands).
TITLE_ADJECTIVES = ("Silent", "Last", "Hidden", "Burning", "Northern", "Glass", "Hollow", "Distant", "Secret",
                    "Midnight", "Iron", "Lost", "Winter", "Salt", "Crimson", "Forgotten")
TITLE_NOUNS = ("Harbour", "Orchard", "Lighthouse", "Archive", "Garden", "Station", "Kingdom", "Letter", "River",
               "Observatory", "Crown", "Island", "Library", "Frontier", "Compass", "Tide")
MODEL_SUFFIXES = ("", "", " Lite", " Pro", " Air", " Max", " II", " Plus", " One", " X")


def complements(category: str) -> tuple[str, ...]:
    """The categories bought together with ``category``, in the order the pairs list them."""
    return tuple(b if a == category else a for a, b in COMPLEMENT_PAIRS if category in (a, b))


def related(first: str, second: str) -> bool:
    """Same category, or complementary ones: what a person nods at in an "also bought" list."""
    return first == second or second in complements(first)
