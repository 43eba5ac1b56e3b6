"""`epiwatch demo`: migrate, load the demo and serve it, static files included with DEBUG off."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase, TestCase


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


class DemoCommandTestCase(SimpleTestCase):
    """Runs the real command in a subprocess on a throwaway SQLite database, with DEBUG off."""

    def test_it_migrates_loads_the_demo_and_serves_pages_and_static_files_with_debug_off(self):
        with tempfile.TemporaryDirectory() as var:
            port = free_port()
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "epiwatch.settings",
                "DEBUG": "0",
                "SECRET_KEY": "demo-command-test-" + "k" * 40,
                "EPIWATCH_VAR_DIR": var,
                "DATABASE_URL": f"sqlite:///{var}/demo.sqlite3",  # never the database of the test run
            }
            env.pop("DEMO_PASSWORD", None)
            command = [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "demo",
                "--port",
                str(port),
            ]
            log = Path(var) / "demo.log"
            with open(log, "w") as out:
                server = subprocess.Popen(
                    [*command, "--scale", "0.001"], env=env, stdout=out, stderr=subprocess.STDOUT
                )
            try:
                status = None
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline and server.poll() is None:
                    try:
                        status, _type, _body = fetch(f"http://127.0.0.1:{port}/login/")
                        break
                    except (urllib.error.URLError, ConnectionError, TimeoutError):
                        time.sleep(0.5)
                output = log.read_text()
                self.assertEqual(status, 200, output)
                css_status, css_type, css = fetch(f"http://127.0.0.1:{port}/static/epiwatch/app.css")
                self.assertEqual(css_status, 200)
                self.assertIn("text/css", css_type)
                self.assertEqual(
                    css, (Path(settings.BASE_DIR) / "epiwatch/static/epiwatch/app.css").read_bytes()
                )
                missing, _type, _body = fetch(f"http://127.0.0.1:{port}/static/epiwatch/no-such-file.css")
                self.assertEqual(missing, 404)
            finally:
                server.send_signal(signal.SIGINT)
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            output = log.read_text()
            self.assertIn("demo-province-admin", output)
            self.assertIn("load_demo: Bạc Liêu — 7 districts, 64 communes", output)
            self.assertIn(f"http://127.0.0.1:{port}/", output)
            self.assertTrue((Path(var) / "demo.sqlite3").exists())


class StaticFilesTestCase(TestCase):
    def test_whitenoise_serves_static_files_from_the_app_folders_with_debug_off(self):
        self.assertFalse(settings.DEBUG)
        response = self.client.get("/static/epiwatch/app.css")
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/css", response["Content-Type"])
