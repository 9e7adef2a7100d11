"""What simulated people say and use: real user-agent strings, pages, referrers,
chat lines, names. Plain constants; the plan draws from them."""

from __future__ import annotations

# (user agent, WebRTC support as a browser would report it), roughly by share.
USER_AGENTS: tuple[tuple[str, bool], ...] = (
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        True,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
        True,
    ),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", True),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Safari/605.1.15",
        True,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        True,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        True,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        True,
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.7 Mobile/15E148 Safari/604.1",
        True,
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.6778.81 Mobile Safari/537.36",
        True,
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        True,
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.6778.39 Mobile Safari/537.36",
        True,
    ),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", True),
    ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0", True),
    ("Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko", False),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/109.0.0.0 Safari/537.36 OPR/95.0.0.0",
        True,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/114.0.0.0 Mobile Safari/537.36 (webview)",
        False,
    ),
)
USER_AGENT_WEIGHTS: tuple[int, ...] = (24, 7, 5, 6, 5, 14, 3, 3, 9, 4, 4, 2, 2, 1, 1, 1)

REFERRERS: tuple[str | None, ...] = (
    None,
    "https://www.google.com/",
    "https://www.google.fr/",
    "https://www.bing.com/search?q=delivery+times",
    "https://duckduckgo.com/",
    "https://www.facebook.com/",
    "https://l.instagram.com/",
    "https://t.co/x7Qr2",
    "https://news.example.net/best-deals-this-week",
    "https://mail.example.org/newsletter/2026-11",
)
REFERRER_WEIGHTS: tuple[int, ...] = (30, 25, 8, 5, 3, 6, 4, 2, 3, 4)

# (path, title)
PAGES: tuple[tuple[str, str], ...] = (
    ("/", "Home"),
    ("/products", "All products"),
    ("/products/linen-shirt", "Linen shirt"),
    ("/products/wool-coat", "Wool coat"),
    ("/products/running-shoes", "Running shoes"),
    ("/products/leather-bag", "Leather bag"),
    ("/sale", "Sale"),
    ("/cart", "Your cart"),
    ("/checkout", "Checkout"),
    ("/checkout/payment", "Payment"),
    ("/account/orders", "My orders"),
    ("/help/delivery", "Delivery"),
    ("/help/returns", "Returns and refunds"),
    ("/help/sizes", "Size guide"),
    ("/blog/autumn-lookbook", "Autumn lookbook"),
    ("/contact", "Contact us"),
    ("/stores", "Our stores"),
    ("/pricing", "Pricing"),
)

VISITOR_OPENERS: tuple[str, ...] = (
    "Hello, is anyone there?",
    "Hi! Where is my order? I ordered last Tuesday.",
    "Bonjour, est-ce que la livraison est gratuite ?",
    "Do you ship to Belgium?",
    "Hi, the payment page keeps failing with my card",
    "Is the wool coat available in size M?",
    "Hello, I would like to return a pair of shoes",
    "Can I change the delivery address of my order?",
    "Bonjour, je n'arrive pas à me connecter à mon compte",
    "How long does a refund take?",
    "Hi there 👋 quick question about sizes",
    "Do you have a store in Lyon?",
    "Hallo, gibt es einen Gutschein für Neukunden?",
    "My discount code SAVE10 is not accepted",
    "hi",
    "Is it possible to pay in three instalments?",
)
VISITOR_FOLLOWUPS: tuple[str, ...] = (
    "Thanks!",
    "Ok, and how long does that take?",
    "My order number is 10482-FR",
    'It says "payment declined" but the bank says it\'s fine',
    "Merci beaucoup !",
    "Could you send me the link by email?",
    "Great, that works now",
    "And for a size L?",
    "I'd rather be called, is that possible?",
    "Perfect, have a nice day",
    "Hmm, still not working :(",
    "Yes please",
    "It's for a gift, can you wrap it?",
    "ok",
    "שלום, do you speak Hebrew? مرحبا",
    "<b>bold?</b> [red]not markup[/] *stars* `code`",
)
AGENT_REPLIES: tuple[str, ...] = (
    "Hello! I'm here, how can I help you?",
    "Good morning, let me check that for you.",
    "Could you give me your order number please?",
    "Your parcel left our warehouse yesterday, it should arrive within 48 hours.",
    "Yes, delivery is free from 50 €.",
    "I have just sent you the return label by email.",
    "The refund takes 5 to 7 working days after we receive the item.",
    "Size M is back in stock since this morning.",
    "I've updated the delivery address, you'll get a confirmation.",
    "Bonjour ! Je regarde tout de suite.",
    "I can call you right now if you prefer.",
    "Let me transfer this to our payments team.",
    "The code SAVE10 only works on full-price items, I'm sorry.",
    "Yes, we have a store at 12 rue de la République in Lyon.",
    "Is there anything else I can do for you?",
    "You're welcome, have a lovely day!",
)
SMS_TEXTS: tuple[str, ...] = (
    "Your return label: https://shop.example/r/8KQ2",
    "As discussed, your order 10482 ships today.",
    "Your appointment is confirmed for tomorrow 10:30.",
    "Here is the link to finish your payment: https://shop.example/p/33F",
)
OFFLINE_TEXTS: tuple[str, ...] = (
    "Hello, please call me back about my order, thanks",
    "I tried to chat but nobody was there. Do you deliver on Saturdays?",
    "Bonjour, merci de me rappeler au sujet du remboursement.",
    "My parcel arrived damaged, what should I do?",
    "Can someone contact me about a bulk order (40 pieces)?",
    "Please send me the invoice for order 10377",
)

FIRST_NAMES: tuple[str, ...] = (
    "Camille",
    "Lucas",
    "Emma",
    "Hugo",
    "Léa",
    "Noah",
    "Chloé",
    "Louis",
    "Sarah",
    "Jules",
    "Ines",
    "Adam",
    "Zoé",
    "Nathan",
    "Manon",
    "Yasmine",
    "Tom",
    "Anna",
    "Karim",
    "Julie",
)
LAST_NAMES: tuple[str, ...] = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "Nguyen",
)

# First octets of public IPv4 ranges simulated visitors come from.
IP_FIRST_OCTETS: tuple[int, ...] = (
    2,
    5,
    31,
    37,
    46,
    62,
    77,
    78,
    80,
    81,
    82,
    86,
    88,
    90,
    92,
    109,
    176,
    185,
    188,
    193,
    194,
    212,
    213,
    217,
)
