"""Finding the workshop a command or a button is about."""

from __future__ import annotations

from dataclasses import dataclass

from storage import Storage
from storage.models import Workshop


@dataclass(eq=False)
class Workshops:
    """Commands act on their chat's (forum topic's) workshop; a button names its own."""

    store: Storage

    async def latest(self, chat_id: int, thread_id: int | None = None) -> Workshop | None:
        """The newest workshop here that was not cancelled."""
        return await self.store.workshops.latest(chat_id, thread_id)

    async def active(self, chat_id: int, thread_id: int | None = None) -> Workshop | None:
        """The workshop running here, if any."""
        return await self.store.workshops.active(chat_id, thread_id)

    async def of_button(self, workshop_id: int, chat_id: int | None) -> Workshop | None:
        """The workshop a button names, if the button is in that workshop's chat."""
        ws = await self.store.workshops.get(workshop_id)
        return ws if ws is not None and ws.chat_id == chat_id else None
