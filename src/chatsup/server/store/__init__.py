"""The store: SQLite behind one writer thread and a pool of readers."""

from chatsup.server.store.common import BadInput, ListFilter, NotFound
from chatsup.server.store.db import PendingEvent, Rx, Store, Tx

__all__ = ["BadInput", "ListFilter", "NotFound", "PendingEvent", "Rx", "Store", "Tx"]
