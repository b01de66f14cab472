from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from webhooks.asyncapi import contract_files


class Command(BaseCommand):
    help = "Write the event contract: docs/events.asyncapi.yaml and docs/events/schemas/<type>.json."

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=str(Path(settings.BASE_DIR) / "docs"), help="Default: docs/.")

    def handle(self, *args, directory: str, **options):
        files = contract_files(directory=Path(directory))
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        self.stdout.write(f"wrote {len(files)} files under {directory} (1 AsyncAPI document, {len(files) - 1} schemas)")
