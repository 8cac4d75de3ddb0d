"""Webhook deliveries already accepted (providers redeliver until they see a 2xx)."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.models import webhook_deliveries


class WebhookDeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, tenant_id: str, provider: str, delivery_id: str) -> bool:
        """False when this delivery was already accepted (a redelivery)."""
        result = await self.session.execute(
            insert(webhook_deliveries)
            .values(tenant_id=tenant_id, provider=provider, delivery_id=delivery_id)
            .on_conflict_do_nothing()
            .returning(webhook_deliveries.c.delivery_id)
        )
        return result.first() is not None
