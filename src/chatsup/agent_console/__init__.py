"""`chatsup agent`: the terminal desk of one advisor (an agent token).

Layering: this package talks to the server only through `chatsup.client`,
reads the wire schema from `chatsup.domain`, and draws every visitor string
through `chatsup.kit.render` (plain `Text`, controls made visible)."""
