"""The console kit: what the supervisor console (`chatsup.tui`) and the
advisor's console (`chatsup.agent_console`) share — rendering through the
sanitiser, dialogs, the paged table, the filter banner, the chart, the live
status label and the help screen built from bindings.

It sits beside both apps, not inside either, and imports neither (an
import-linter contract in pyproject.toml keeps it so)."""
