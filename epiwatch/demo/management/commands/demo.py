"""Start the demo: migrate, load the Bạc Liêu demo (idempotent), then serve it on http://127.0.0.1:PORT.

No collectstatic is needed: WhiteNoise serves the static files from the app folders (WHITENOISE_USE_FINDERS),
also with DEBUG off.
"""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from epiwatch.demo import loading


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--scale", default=str(loading.DEMO_SCALE), help="share of the population as people"
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="prepare the demo but do not start the server"
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        call_command("load_demo", scale=options["scale"], verbosity=verbosity, stdout=self.stdout)
        if options["no_serve"]:
            return
        # WhiteNoise also looks in STATIC_ROOT and warns when it does not exist (nothing is collected there)
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        self.stdout.write(
            f"Sign in at http://127.0.0.1:{options['port']}/login/ with one of the logins above."
        )
        # --noreload: the demo runs once; the reloader would load the demo data again in a child process
        call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False, verbosity=verbosity)
