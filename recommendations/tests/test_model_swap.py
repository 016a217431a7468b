"""A new model version goes live while requests are being served: none of them fails."""
from __future__ import annotations

import threading
import time

import pytest
from django.db import connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db(transaction=True)


def test_swapping_the_model_under_traffic_fails_no_request(clusters, train, settings, user_factory):
    settings.MODEL_CHECK_INTERVAL = 0  # every request asks which version is active
    first = train("itemknn")
    token = Token.objects.create(user=user_factory(username="reader-client")).key
    readers = [user.pk for user in clusters.readers]
    stop = threading.Event()
    answers: list[tuple[int, int | None]] = []

    def read() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            n = 0
            while not stop.is_set():
                # include_seen=false: always computed (the serializer path), never a cached list
                response = client.get(f"/recommendations/{readers[n % len(readers)]}",
                                      {"limit": 3, "include_seen": "false"})
                answers.append((response.status_code, response.json().get("model_version")))
                n += 1
        finally:
            connections.close_all()

    workers = [threading.Thread(target=read) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.3)
        second = train("ease")  # trains, writes the artifact, activates and announces it
        time.sleep(0.5)
        third = train("itemknn")
        time.sleep(0.5)
    finally:
        stop.set()
        for worker in workers:
            worker.join()

    assert answers and all(status == 200 for status, _ in answers), {s for s, _ in answers}
    served = [version for _, version in answers]
    assert set(served) <= {first.pk, second.pk, third.pk}
    assert served[-1] == third.pk and second.pk in served  # each version went live in turn
