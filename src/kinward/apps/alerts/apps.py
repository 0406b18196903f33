from django.apps import AppConfig


def fact_committed(sender, record_type: str, pks: list[int], **kwargs) -> None:
    """Queue the evaluation of facts the registry committed (registry/events.py), unless switched off."""
    from django.conf import settings

    from kinward.apps.alerts.tasks import alerts_evaluate_facts

    if settings.ALERTS_EVALUATE_EVENTS:
        alerts_evaluate_facts.enqueue(record_type, list(pks))


class AlertsConfig(AppConfig):
    name = "kinward.apps.alerts"
    label = "alerts"

    def ready(self) -> None:
        from kinward.apps.registry.events import registry_fact_committed

        registry_fact_committed.connect(fact_committed, dispatch_uid="alerts.fact_committed")
