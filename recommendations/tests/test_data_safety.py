"""Nothing lost, nothing half-written: concurrent writers and an import killed half-way, against the
real PostgreSQL (committed data: these tests use transactional_db)."""
from __future__ import annotations

import csv
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.db import connection, connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import Item
from recengine.testing.worker import worker_environment
from recommendations.models import Interaction

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_writers_for_the_same_user_lose_nothing(user_factory, item_factory):
    user = user_factory()
    items = [item_factory() for _ in range(5)]
    token = Token.objects.create(user=user_factory(username="writer")).key
    threads, per_thread, failures = 8, 25, []

    def write(n: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            for i in range(per_thread):
                single = {"user_id": user.pk, "item_id": items[i % 5].pk, "interaction_type": "view",
                          "event_id": f"t{n}-{i}"}
                batch = [{**single, "event_id": f"t{n}-{i}-b{j}"} for j in range(3)]
                codes = (client.post("/interactions", single, format="json").status_code,
                         client.post("/interactions/batch", batch, format="json").status_code)
                if codes != (201, 201):
                    failures.append(codes)
        finally:
            connections.close_all()  # this thread's connection

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == []
    assert Interaction.objects.filter(user=user).count() == threads * per_thread * 4


def test_concurrent_retries_of_one_event_store_it_once(user_factory, item_factory):
    user, item = user_factory(), item_factory()
    token = Token.objects.create(user=user_factory(username="retrier")).key
    codes = []

    def retry() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            payload = {"user_id": user.pk, "item_id": item.pk, "interaction_type": "like", "event_id": "same"}
            codes.append(client.post("/interactions", payload, format="json").status_code)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=retry) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sorted(codes) == [200] * 7 + [201]
    assert Interaction.objects.filter(event_id="same").count() == 1


def _activity() -> list[str]:
    """The queries of other sessions of this database that are inside a transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL")
        return [query for pid, query in cursor.fetchall()]


def test_an_import_killed_half_way_leaves_the_database_as_it_was(tmp_path):
    Item.objects.create(item_code="kept", name="Kept")
    before = (User.objects.count(), Item.objects.count(), Interaction.objects.count())
    path = tmp_path / "big.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["user_id", "item_id", "interaction_type", "timestamp"])
        for n in range(300_000):
            out.writerow([100_000 + n % 5_000, 200_000 + n % 2_000, "view", "2024-05-01T12:00:00Z"])
    env = {**worker_environment(), "RECENGINE_TESTING": "true"}
    process = subprocess.Popen([sys.executable, "manage.py", "import_interactions", str(path)],
                               cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        writing = []
        while not writing and process.poll() is None and time.monotonic() < deadline:
            # Killed only once its transaction has written something: staged rows or inserts.
            writing = [q for q in _activity() if "COPY" in q.upper() or "INSERT" in q.upper()]
            time.sleep(0.02)
        assert writing, "the import never started writing (or finished before it could be killed)"
        time.sleep(0.3)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    deadline = time.monotonic() + 30
    while _activity() and time.monotonic() < deadline:  # PostgreSQL rolls the dead client's work back
        time.sleep(0.1)
    assert (User.objects.count(), Item.objects.count(), Interaction.objects.count()) == before
