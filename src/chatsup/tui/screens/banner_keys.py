"""The filter banner's keys, shared by the list tabs and Monitoring: `f`
to the banner, the pickers (kit.filter_banner.PICK_BINDINGS) and the
advisors' presence asked again when their picker opens."""

from __future__ import annotations

from chatsup.kit.filter_banner import PICK_ACTIONS, FilterBanner
from chatsup.tui.context import Context


class BannerKeys:
    """Mixed into a widget that has a `ctx` and a `banner`."""

    @property
    def ctx(self) -> Context:
        raise NotImplementedError

    @property
    def banner(self) -> FilterBanner:
        raise NotImplementedError

    def pick_offered(self, action: str) -> bool | None:
        """For `check_action`: a picker's key only where the banner has its field
        (None: `action` is not a picker's)."""
        if action not in PICK_ACTIONS:
            return None
        return bool(getattr(self, "is_mounted", False)) and PICK_ACTIONS[action] in self.banner.keys

    def action_filters(self) -> None:
        self.banner.focus_first()

    async def fresh_agents(self) -> None:
        """The advisors again, with their presence now (the picker shows it)."""
        self.ctx.agents = await self.ctx.client.agents()
        self.banner.set_choices(self.ctx.agents, self.ctx.sites)

    def action_pick_advisors(self) -> None:
        self.banner.open_picker("agent_id")

    def action_pick_sites(self) -> None:
        self.banner.open_picker("site_id")

    def action_pick_statuses(self) -> None:
        self.banner.open_picker("status")
