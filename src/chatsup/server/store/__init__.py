"""The store: SQLite behind one writer thread and a pool of readers.

One module per entity holds its reads, writes and rules: conversations,
messages, calls (and SMS, callbacks), visits (and page views), visitors (and
profiles), offline, sites, agents (and presence), tokens, events; paging,
search, wire, errors hold what they all share."""

from chatsup.server.store.db import Store
from chatsup.server.store.errors import BadInput, Forbidden, NotFound
from chatsup.server.store.paging import ListFilter
from chatsup.server.store.tx import PendingEvent, Rx, Tx

__all__ = ["BadInput", "Forbidden", "ListFilter", "NotFound", "PendingEvent", "Rx", "Store", "Tx"]
