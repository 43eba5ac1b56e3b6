"""Work through uploaded result files: validate queued ones into a preview, commit those the user confirmed.

    epiwatch process_imports            # run until stopped, polling every 2 seconds
    epiwatch process_imports --once     # do what is waiting now, then exit

Several workers may run at once: each batch is claimed with an atomic update that only one of them wins.
Prints one line per batch (`<file>: <status>, accepted N, rejected M, duplicates K`).
"""

from __future__ import annotations

import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from epiwatch.labs import worker


class Command(BaseCommand):
    help = "Validate and commit uploaded result files (the background worker)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="process what is waiting, then exit")
        parser.add_argument(
            "--poll", type=float, default=worker.POLL_SECONDS, help="seconds between looks for new work"
        )

    def report(self, batch) -> None:
        self.stdout.write(
            f"{batch.file_name}: {batch.status}, accepted {batch.accepted}, rejected {batch.rejected}, "
            f"duplicates {batch.duplicates}" + (f" ({batch.error_message})" if batch.error_message else "")
        )

    def handle(self, *args, once: bool = False, poll: float = worker.POLL_SECONDS, **options):
        if once:
            count = 0
            while (batch := worker.work_once()) is not None:
                self.report(batch)
                count += 1
            self.stdout.write(f"processed {count} import step(s)")
            return
        stop = threading.Event()
        try:
            while not stop.is_set():
                close_old_connections()  # a long-running process: drop connections the database closed
                batch = worker.work_once()
                if batch is not None:
                    self.report(batch)
                else:
                    stop.wait(poll)
        except KeyboardInterrupt:
            stop.set()
