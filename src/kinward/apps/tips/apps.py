from django.apps import AppConfig


class TipsConfig(AppConfig):
    name = "kinward.apps.tips"
    label = "tips"

    def ready(self) -> None:
        from kinward.apps.core.idempotency import register_replay_redactor
        from kinward.apps.tips.idempotency import redact_receipt_code

        register_replay_redactor("/api/v1/tips", redact_receipt_code)
