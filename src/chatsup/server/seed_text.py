"""Phrase banks and fixtures for the demo data."""

from __future__ import annotations

SITES = [
    ("Boutique Lumière", "boutique-lumiere.example", "demo-boutique"),
    ("Atelier Nord", "atelier-nord.example", "demo-atelier"),
    ("Maison Verte", "maison-verte.example", "demo-maison"),
]

AGENTS = [
    ("Camille", "camille@chatsup.example"),
    ("Hugo", "hugo@chatsup.example"),
    ("Léa", "lea@chatsup.example"),
    ("Nadia", "nadia@chatsup.example"),
    ("Thomas", "thomas@chatsup.example"),
    ("Inès", "ines@chatsup.example"),
    ("Malik", "malik@chatsup.example"),
    ("Sophie", "sophie@chatsup.example"),
]

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.97",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/16.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/120.0.6099.43 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko)"
    " SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/119.0.0.0 Mobile Safari/537.36",
]

# (country, code, city, documentation-range IP prefix)
PLACES = [
    ("France", "FR", "Paris", "192.0.2."),
    ("France", "FR", "Lyon", "192.0.2."),
    ("France", "FR", "Lille", "198.51.100."),
    ("Belgium", "BE", "Brussels", "198.51.100."),
    ("Switzerland", "CH", "Geneva", "203.0.113."),
    ("Canada", "CA", "Montréal", "203.0.113."),
    ("Germany", "DE", "Berlin", "192.0.2."),
    ("France", "FR", "Nantes", "198.51.100."),
]

REFERRERS = [
    None,
    None,
    "https://www.google.com/",
    "https://duckduckgo.com/",
    "https://www.instagram.com/",
    "https://newsletter.example/",
]

PAGES = [
    ("/", "Home"),
    ("/new", "New arrivals"),
    ("/sale", "Sale"),
    ("/shipping", "Shipping"),
    ("/returns", "Returns and exchanges"),
    ("/contact", "Contact"),
    ("/cart", "Your cart"),
    ("/product/linen-shirt", "Linen shirt"),
    ("/product/wool-coat", "Wool coat"),
    ("/product/oak-lamp", "Oak lamp"),
    ("/product/ceramic-vase", "Ceramic vase"),
    ("/product/garden-chair", "Garden chair"),
    ("/stores", "Our stores"),
]

TOPICS: list[tuple[list[str], list[str]]] = [
    (
        [
            "Hello, where is my order {order}? It should have arrived yesterday.",
            "The tracking page says it is still in transit.",
            "Could you check with the carrier please?",
        ],
        [
            "Hello! Let me look at order {order} for you.",
            "The parcel left our warehouse on Monday; the carrier shows a delay in sorting.",
            "It should be delivered within two days. I will send you the tracking link by email.",
        ],
    ),
    (
        [
            "Bonjour, je voudrais retourner un article, comment faire ?",
            "C'est la chemise en lin, taille M, elle est trop petite.",
            "Merci, et le remboursement prend combien de temps ?",
        ],
        [
            "Bonjour ! Vous avez 30 jours pour un retour gratuit.",
            "Je vous envoie l'étiquette de retour par e-mail.",
            "Le remboursement arrive sous 5 à 7 jours après réception.",
        ],
    ),
    (
        [
            "Do you have the wool coat in size L?",
            "And in navy blue?",
            "Great, can I pick it up in the Lille store?",
        ],
        [
            "Let me check the stock for you.",
            "Yes, navy blue in L is available online and in two stores.",
            "Lille has one left; I can reserve it for 48 hours.",
        ],
    ),
    (
        ["What are your opening hours on Sunday?", "Is the Nantes shop open on public holidays?"],
        [
            "Our stores open 10:00 to 19:00, Sundays 11:00 to 17:00.",
            "Nantes is closed on public holidays, except in December.",
        ],
    ),
    (
        [
            "My discount code {code} does not work at checkout.",
            "It says the code has expired but I got it this week.",
        ],
        [
            "Sorry about that! Codes from the newsletter last seven days.",
            "I have applied a new code to your account: it works until Sunday.",
        ],
    ),
    (
        [
            "The oak lamp arrived broken, the shade is cracked.",
            "I attached a photo.",
            "Can you send a replacement instead of a refund?",
        ],
        [
            "I am very sorry. Thank you for the photo.",
            "A replacement lamp leaves tomorrow, no need to send the broken one back.",
        ],
    ),
    (
        ["Bonjour, la livraison en Belgique est-elle possible ?", "Et les frais de port ?"],
        [
            "Oui, nous livrons en Belgique en 3 à 5 jours ouvrés.",
            "La livraison est offerte dès 60 € d'achat, sinon 6,90 €.",
        ],
    ),
    (
        ["Hi, can I change the delivery address of order {order}?"],
        [
            "Yes, it has not shipped yet. What is the new address?",
            "Done, the parcel will go to the new address.",
        ],
    ),
    (
        ["Is the ceramic vase dishwasher safe?"],
        ["Hand washing is recommended to keep the glaze intact."],
    ),
    (
        [
            "Je n'arrive pas à payer avec ma carte, le paiement est refusé.",
            "J'ai essayé deux fois.",
        ],
        [
            "Je regarde : votre banque a demandé une validation 3-D Secure.",
            "Pouvez-vous réessayer et valider la notification de votre banque ?",
        ],
    ),
]

NUDGES = [
    "Hello?",
    "Anyone there?",
    "Allô ?",
    "Also, do you have it in blue?",
    "Sorry, one more thing:",
    "??",
]
SYSTEM_NOTES = [
    "The visitor is waiting: no advisor answered yet.",
    "The visitor left the page.",
    "The visitor came back.",
]

THANKS = [
    "Thank you!",
    "Merci beaucoup !",
    "Perfect, thanks.",
    "Great, have a nice day.",
    "Super, merci.",
    "ok",
]
CLOSINGS = [
    "You're welcome, have a nice day!",
    "Avec plaisir, bonne journée !",
    "Happy to help.",
    "Anything else I can do for you?",
]

OFFLINE = [
    "Please call me back about my order {order}.",
    "Bonjour, pouvez-vous me rappeler demain matin ? Merci.",
    "I would like a quote for 12 garden chairs for a restaurant.",
    "My parcel {order} never arrived, please contact me.",
    "Est-ce que le manteau en laine sera réassorti en taille S ?",
    "Do you ship to Switzerland? Thanks.",
]

HOSTILE = [
    "\x1b]0;PWNED\x07 hello?",
    "[/] where is my order",
    "[@click=app.quit]click me[/]",
    '=HYPERLINK("http://evil.example","free gift")',
    "\x1b[2J\x1b[Hcleared your screen",
    "\u202etxt.exe\u202c invoice",
]

MEDIA = [
    ("photo.jpg", "image/jpeg", 284_512),
    ("receipt.pdf", "application/pdf", 96_231),
    ("damage.png", "image/png", 412_009),
    ("invoice.pdf", "application/pdf", 58_113),
]

FIRST_NAMES = [
    "Mathieu",
    "Claire",
    "Julien",
    "Emma",
    "Lucas",
    "Chloé",
    "Karim",
    "Sarah",
    "Antoine",
    "Manon",
    "Yanis",
    "Laura",
    "Nicolas",
    "Julie",
    "Omar",
    "Pauline",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Leroy",
    "Moreau",
    "Fournier",
    "Girard",
    "Lambert",
    "Bonnet",
    "Mercier",
    "Faure",
    "Rousseau",
]
NOTES = [
    None,
    "Prefers email.",
    "VIP customer, several orders a year.",
    "Asked about wholesale prices.",
    "Returned an item in October.",
    "Call after 18:00.",
    "Speaks English and French.",
]
